package integrations_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/integrations"
)

// The shipped templates are installed once and updated when a new version
// ships a changed one (its compiled form evicted); they cannot be changed
// or deleted through the catalog. An upload that does not load is refused
// with every problem.
func TestTemplateCatalog(t *testing.T) {
	f := newFixture(t)
	shipped := fstest.MapFS{"desk.xml": {Data: []byte(deskTemplate(2))}}
	require.NoError(t, f.rt.InstallBuiltins(t.Context(), shipped))
	require.NoError(t, f.rt.InstallBuiltins(t.Context(), shipped), "installing again changes nothing")
	builtin, err := f.st.GetTemplate(t.Context(), "builtin_desk")
	require.NoError(t, err)
	require.True(t, builtin.BuiltIn)
	before, err := f.rt.Compile(builtin)
	require.NoError(t, err)

	shipped["desk.xml"] = &fstest.MapFile{Data: []byte(strings.Replace(deskTemplate(2), `Name="Desk"`, `Name="Desk v2"`, 1))}
	require.NoError(t, f.rt.InstallBuiltins(t.Context(), shipped))
	builtin, err = f.st.GetTemplate(t.Context(), "builtin_desk")
	require.NoError(t, err)
	after, err := f.rt.Compile(builtin)
	require.NoError(t, err)
	require.Equal(t, "Desk v2", after.Source.Name)
	require.NotSame(t, before, after)

	require.ErrorIs(t, f.rt.DeleteTemplate(t.Context(), builtin), integrations.ErrBuiltIn)
	_, _, err = f.rt.ReplaceTemplate(t.Context(), builtin, []byte(deskTemplate(3)))
	require.ErrorIs(t, err, integrations.ErrBuiltIn)

	_, _, problems, err := f.rt.AddTemplate(t.Context(), []byte(`<Information Provider="helpdesk" Name="x" Key="bad key"><Scenarios/></Information>`))
	var te *integrations.TemplateError
	require.ErrorAs(t, err, &te)
	require.NotEmpty(t, problems.Errors())

	custom, _, _, err := f.rt.AddTemplate(t.Context(), []byte(strings.Replace(deskTemplate(1), `Key="desk"`, `Key="desk_copy"`, 1)))
	require.NoError(t, err)
	require.NoError(t, f.rt.DeleteTemplate(t.Context(), custom))
}
