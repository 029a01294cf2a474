package main_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// templatesAdmin creates an administrator through the API (with the admin
// token) and signs them in: the browser then shows the overview.
func templatesAdmin(t *testing.T, addr string) chromedp.Action[chromedp.Void] {
	t.Helper()
	p := &proc{addr: addr}
	st, res := p.callAs(t, browserAdminToken, "POST", "/api/v1/users",
		map[string]any{"name": "tess", "role": "admin", "password": "templates password 1"})
	require.Less(t, st, 300, "creating the admin: %v", res)
	return chromedp.Steps(
		signIn("http://"+addr, "tess", "templates password 1"),
		chromedp.WaitVisible(chromedp.CSS("#admin-overview")),
	)
}

// evalTrue fails the test unless js answers true in the page.
func evalTrue(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	require.NoError(t, err, what)
	require.True(t, ok, what)
}

// An admin manages templates in the browser: the built-in ones are
// listed; an upload with three problems is refused and each problem is
// shown at its line of the XML (the line, the column, the message), and
// the summary jumps to the line; the XML goes to the workbench from
// there. A valid template is uploaded (its warning shown at its line),
// downloaded, replaced (also from an upload whose Key is taken), and deleted after a confirmation; an empty file
// and a file that is not XML are refused with the API's words; a file
// dropped on the drop zone is uploaded.
func TestBrowserTemplates(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		templatesAdmin(t, addr),
		chromedp.Navigate(base+"/templates"),
		chromedp.WaitVisible(chromedp.CSS(`#builtin-templates tr[data-key="zendesk"]`)),
		chromedp.WaitVisible(chromedp.CSS("#custom-empty")),
	))
	builtIns, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#builtin-templates")))
	require.NoError(t, err)
	for _, name := range []string{"Zendesk", "Freshdesk", "Zoho Desk"} {
		require.Contains(t, builtIns, name)
	}
	// Built-in templates are downloaded, never replaced or deleted.
	evalTrue(t, ctx, "built-ins offer download only", `(() => {
		const r = document.querySelector('#builtin-templates tr[data-key="zendesk"]');
		return !!r.querySelector("a[download]") && !r.querySelector("button.replace, button.delete");
	})()`)

	// Three problems, each at its line.
	broken, err := filepath.Abs("testdata/zendesk-three-problems.xml")
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#template-file"), []string{broken}),
		chromedp.WaitVisible(chromedp.CSS(`#outcome[data-kind="refused"] .xml-view`)),
	))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome-title")))
	require.NoError(t, err)
	require.Equal(t, "zendesk-three-problems.xml was refused", title)
	for _, p := range []struct {
		line, column, message string
	}{
		{"36", "20", `Next="GetIdentity" names no request of the Common scenario`},
		{"55", "93", `function "UrlEncod" not defined`},
		{"75", "41", `Method "FETCH" is not one of`},
	} {
		row := `.xml-line[data-line="` + p.line + `"]`
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome "+row)))
		require.NoError(t, err)
		require.Contains(t, text, p.message, "line %s", p.line)
		require.Contains(t, text, "column "+p.column, "line %s", p.line)
		evalTrue(t, ctx, "line "+p.line+" is highlighted with its column marked", `(() => {
			const r = document.querySelector('#outcome `+row+`');
			const m = r.querySelector("mark.xml-col.is-error");
			return r.classList.contains("has-problem") && r.classList.contains("is-error") && !!m && m.title === "column `+p.column+`";
		})()`)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[
		document.querySelectorAll("#outcome .xml-line.has-problem").length,
		document.querySelectorAll("#outcome .xml-summary li").length,
		document.querySelectorAll("#outcome .xml-line").length]`))
	require.NoError(t, err)
	require.Equal(t, []int{3, 3, 169}, counts, "problem lines, summary entries, lines of the file")
	// The summary's entry jumps to its line.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#outcome .xml-summary a[href$="-L55"]`))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.activeElement && document.activeElement.dataset.line === "55"`))
	require.NoError(t, err)
	browsertest.Screenshot(t, ctx, "template-problems")

	// "Fix in the workbench" hands the XML over in sessionStorage. The
	// workbench may take the draft out as it reads it, so the test keeps
	// a note of what was handed over in window.name (which survives the
	// navigation).
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const set = Storage.prototype.setItem;
		Storage.prototype.setItem = function (k, v) {
			if (k === "sb.workbench.draft") window.name = "draft:" + v;
			return set.call(this, k, v);
		};
		return true;
	})()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#fix-in-workbench")),
		chromedp.WaitVisible(chromedp.CSS("#workbench-page")),
	))
	evalTrue(t, ctx, "the workbench gets the draft", `location.pathname + location.search === "/workbench?draft=1" &&
		window.name.startsWith('draft:<?xml') && window.name.includes('Key="zendesk_broken"') && window.name.includes('Method="FETCH"')`)

	// A valid template, with one warning.
	valid, err := filepath.Abs("testdata/zendesk-copy.xml")
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/templates"),
		chromedp.WaitVisible(chromedp.CSS(`#builtin-templates tr[data-key="zendesk"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#template-file"), []string{valid}),
		chromedp.WaitVisible(chromedp.CSS(`#outcome[data-kind="warned"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#custom-templates tr[data-key="zendesk_copy"]`)),
	))
	warning, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#outcome .xml-line.is-warning[data-line="77"]`)))
	require.NoError(t, err)
	require.Contains(t, warning, "unknown attribute Colour")
	evalTrue(t, ctx, "no error is shown for an accepted template", `document.querySelectorAll("#outcome .xml-line.is-error, #outcome .xml-problems.is-error").length === 0`)
	evalTrue(t, ctx, "the custom list is no longer empty", `document.getElementById("custom-empty").hidden`)
	browsertest.Screenshot(t, ctx, "templates-warning")

	// Download: the link answers the XML.
	row := `#custom-templates tr[data-key="zendesk_copy"]`
	evalTrue(t, ctx, "the link names the file", `document.querySelector('`+row+` a[download]').getAttribute("download") === "zendesk_copy.xml"`)
	xml, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('`+row+` a[download]').href).then(r => r.ok ? r.text() : "status " + r.status)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Contains(t, xml, `Key="zendesk_copy"`)
	require.Contains(t, xml, `<Scenario Id="SyncContactAuto"`)

	// Replace it with version 2.0.0.
	dir := t.TempDir()
	v1, err := os.ReadFile(valid)
	require.NoError(t, err)
	v2 := filepath.Join(dir, "zendesk-copy-v2.xml")
	require.NoError(t, os.WriteFile(v2, []byte(strings.Replace(string(v1), `Version="1.0.0"`, `Version="2.0.0"`, 1)), 0o644))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" button.replace")),
		chromedp.SetUploadFiles(chromedp.CSS("#replace-file"), []string{v2}),
	))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const r = document.querySelector('`+row+`');
		return !!r && r.children[3].textContent === "2.0.0";
	})()`))
	require.NoError(t, err)
	replaced, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome-text")))
	require.NoError(t, err)
	require.Contains(t, replaced, "Replaced Zendesk (copy) (zendesk_copy, now version 2.0.0)")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#outcome-dismiss"))))
	browsertest.Screenshot(t, ctx, "templates-list")

	// Uploading it again: the Key is taken, and the page offers to replace
	// that template with the file.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#template-file"), []string{valid}),
		chromedp.WaitVisible(chromedp.CSS(`#outcome[data-kind="failed"] #replace-taken`)),
	))
	taken, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome-text")))
	require.NoError(t, err)
	require.Contains(t, taken, `already exists: a template with Key "zendesk_copy"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#replace-taken"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const r = document.querySelector('`+row+`');
		return !!r && r.children[3].textContent === "1.0.0";
	})()`))
	require.NoError(t, err)

	// An empty file and a file that is not XML: the API's words.
	empty := filepath.Join(dir, "empty.xml")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#template-file"), []string{empty}),
		chromedp.WaitVisible(chromedp.CSS(`#outcome[data-kind="failed"]`)),
	))
	said, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome-text")))
	require.NoError(t, err)
	require.Equal(t, "the body is empty; send the template XML", said)
	notes := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notes, []byte("call Ann back about the ticket\n"), 0o644))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#template-file"), []string{notes}),
		chromedp.WaitVisible(chromedp.CSS(`#outcome[data-kind="refused"]`)),
	))
	said, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#outcome .xml-line[data-line="1"]`)))
	require.NoError(t, err)
	require.Contains(t, said, "the file is not an XML template")

	// Delete, after saying yes.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" button.delete")),
		chromedp.WaitVisible(chromedp.CSS(row+" button.confirm-yes")),
		chromedp.Click(chromedp.CSS(row+" button.confirm-no")),
		chromedp.WaitVisible(chromedp.CSS(row+" button.delete")),
		chromedp.Click(chromedp.CSS(row+" button.delete")),
		chromedp.WaitVisible(chromedp.CSS(row+" button.confirm-yes")),
	))
	browsertest.Screenshot(t, ctx, "templates-delete")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+" button.confirm-yes")),
		chromedp.WaitVisible(chromedp.CSS("#custom-empty")),
	))
	gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('`+row+`') === null`))
	require.NoError(t, err)
	require.True(t, gone)

	// Drag and drop onto the zone uploads too.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => {
		const xml = (await (await fetch("/api/v1/templates/builtin_zendesk/xml")).text()).replace('Key="zendesk"', 'Key="zendesk_dropped"');
		const dt = new DataTransfer();
		dt.items.add(new File([xml], "dropped.xml", {type: "application/xml"}));
		const zone = document.getElementById("drop-zone");
		for (const type of ["dragenter", "dragover", "drop"]) {
			zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		}
		return true;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#custom-templates tr[data-key="zendesk_dropped"]`))))
}
