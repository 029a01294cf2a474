package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/browsertest"
)

// sb.xmlView puts each problem at its line and column, counting columns in
// characters as the API does (an emoji is one), whatever the line breaks;
// two problems on one line are both there; a column past the line's end is
// still marked; a problem with no line is in the summary only; errors and
// warnings are listed apart.
func TestXMLViewInTheBrowser(t *testing.T) {
	srv := serve(t)
	ctx := browsertest.New(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/templates"),
		chromedp.WaitVisible(chromedp.CSS("#loading")),
	))
	type line struct {
		Line  string   `json:"line"`
		Class string   `json:"class"`
		Marks []string `json:"marks"`
		Cols  []string `json:"cols"`
		Msgs  []string `json:"msgs"`
	}
	type view struct {
		Lines    []line   `json:"lines"`
		Count    int      `json:"count"`
		Errors   []string `json:"errors"`
		Warnings []string `json:"warnings"`
		Links    []string `json:"links"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[view](`(() => {
		const xml = '<?xml version="1.0"?>\r\n<Information Name="😀 x" Key="k">\r\n  <Scenarios/>\r\n</Information>\r\n';
		const v = sb.xmlView(xml, [
			{line: 2, column: 25, path: "@Key", message: "key problem", severity: "error"},
			{line: 2, column: 22, path: "@Name", message: "name warning", severity: "warning"},
			{line: 3, column: 99, path: "", message: "past the end", severity: "error"},
			{line: 0, column: 0, path: "", message: "whole file", severity: "error"},
		]);
		document.body.append(v);
		const rows = [...v.querySelectorAll(".xml-line")];
		return {
			count: rows.length,
			lines: rows.filter((r) => r.classList.contains("has-problem")).map((r) => ({
				line: r.dataset.line,
				class: r.className,
				marks: [...r.querySelectorAll("mark")].map((m) => m.textContent),
				cols: [...r.querySelectorAll("mark")].map((m) => m.title),
				msgs: [...r.querySelectorAll(".xml-msg")].map((m) => m.textContent),
			})),
			errors: [...v.querySelectorAll(".xml-problems.is-error li")].map((li) => li.textContent),
			warnings: [...v.querySelectorAll(".xml-problems.is-warning li")].map((li) => li.textContent),
			links: [...v.querySelectorAll(".xml-summary a")].map((a) => a.getAttribute("href")),
		};
	})()`))
	require.NoError(t, err)
	require.Equal(t, 4, got.Count, "CRLF line breaks, the last one ending the last line")
	require.Len(t, got.Lines, 2)
	require.Equal(t, "2", got.Lines[0].Line)
	require.Contains(t, got.Lines[0].Class, "is-error", "an error and a warning: the line is an error's")
	require.Equal(t, []string{"x", "K"}, got.Lines[0].Marks, "columns count characters: the emoji is one")
	require.Equal(t, []string{"column 22", "column 25"}, got.Lines[0].Cols)
	require.Len(t, got.Lines[0].Msgs, 2)
	require.Equal(t, "3", got.Lines[1].Line)
	require.Equal(t, []string{" "}, got.Lines[1].Marks, "a column past the end is marked after the line")
	require.Equal(t, []string{"Whole file: whole file", "Line 2, column 25: key problem@Key", "Line 3, column 99: past the end"}, got.Errors)
	require.Equal(t, []string{"Line 2, column 22: name warning@Name"}, got.Warnings)
	require.Len(t, got.Links, 3, "the problem with no line has no link")
}
