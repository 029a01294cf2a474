package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// User is a helpdesk user from UserAssociation.
type User struct {
	ID        string `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
}

// Pagination of UserAssociation, declared with scenario parameters (an
// extension of the Yeastar format; templates without them make one request):
//
//	<Parameter Name="Pagination" Value="page|offset|cursor"/>
//	<Parameter Name="PageSize" Value="100"/>         (default 100)
//	<Parameter Name="MaxPages" Value="50"/>          (default 50)
//	<Parameter Name="NextCursorPath" Value="meta.next_cursor"/>  (cursor: GJSON path)
//
// The request's URLFormat uses the variables {{.Page}} (1, 2, …),
// {{.Offset}} (0, PageSize, …), {{.PageSize}} and {{.Cursor}} (empty on the
// first page; the cursor may also be a whole next-page URL). Paging stops at
// a page with fewer than PageSize users (page, offset), at an empty or
// repeated cursor, or after MaxPages.
const (
	defaultPageSize = 100
	defaultMaxPages = 50
	cursorOutput    = "__NextCursor"
)

// SyncUsers reads every helpdesk user the UserAssociation scenario yields,
// page by page when it declares pagination. It returns the users (each
// once, by id) and the results of every page, for their traces.
func SyncUsers(ctx context.Context, c *engine.Client, vars engine.Vars) ([]User, []*engine.Result, error) {
	sc := c.Template().Scenario(templates.ScenarioUserAssociation)
	if sc == nil {
		return nil, nil, fmt.Errorf("%w: the template has no UserAssociation scenario", engine.ErrNoScenario)
	}
	mode := strings.ToLower(strings.TrimSpace(sc.Setting("Pagination")))
	size := intSetting(sc, "PageSize", defaultPageSize)
	maxPages := intSetting(sc, "MaxPages", defaultMaxPages)
	if mode == "" {
		maxPages = 1
	}
	var opts engine.RunOptions
	if mode == "cursor" {
		opts.ExtraOutputs = []engine.Output{{Name: cursorOutput, Path: templates.NormalizePath(sc.Setting("NextCursorPath"))}}
	}
	seen := map[string]bool{}
	var users []User
	var results []*engine.Result
	cursor := ""
	for page := 1; page <= maxPages; page++ {
		v := pageVars(page, size, cursor)
		for k, x := range vars {
			if _, paging := v[k]; !paging {
				v[k] = x
			}
		}
		res := c.Run(ctx, templates.ScenarioUserAssociation, v, opts)
		results = append(results, res)
		if res.Err != nil {
			return nil, results, fmt.Errorf("page %d: %w", page, res.Err)
		}
		next := ""
		for _, row := range res.Rows {
			if next == "" {
				next = row.Values[cursorOutput]
			}
			u := User{ID: row.Values["UserUniqueId"], FirstName: row.Values["FirstName"], LastName: row.Values["LastName"], Email: row.Values["Email"]}
			if u.ID == "" || seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			users = append(users, u)
		}
		switch mode {
		case "page", "offset":
			if len(res.Rows) < size {
				return users, results, nil
			}
		case "cursor":
			if next == "" || next == cursor {
				return users, results, nil
			}
			cursor = next
		}
	}
	return users, results, nil
}

func intSetting(sc *engine.Scenario, name string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(sc.Setting(name)))
	if err != nil || n <= 0 {
		return def
	}
	return n
}

// pageVars are the variables of one page of UserAssociation.
func pageVars(page, size int, cursor string) engine.Vars {
	return engine.Vars{"Page": strconv.Itoa(page), "Offset": strconv.Itoa((page - 1) * size), "PageSize": strconv.Itoa(size), "Cursor": cursor}
}
