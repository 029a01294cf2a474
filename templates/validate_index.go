package templates

// Validation must take time linear in the file size: a template may hold
// thousands of parameters and requests, and looking each name up by walking
// a list, once per parameter or request, made a 1 MB upload take seconds.
// The checker therefore looks names up in maps built once, with the same
// "which one wins" rule as the model's own lookups.

// common returns the Common scenario (the first one, as Template.Scenario).
func (c *checker) common() *Scenario {
	if !c.indexed {
		c.index()
	}
	return c.commonScenario
}

// commonRequest returns the Common scenario's request with the name (the
// first one, as Scenario.Request), or nil.
func (c *checker) commonRequest(name string) *Request {
	if !c.indexed {
		c.index()
	}
	return c.commonRequests[name]
}

// templateHeaders is the number of template-wide headers.
func (c *checker) templateHeaders() int {
	if !c.indexed {
		c.index()
	}
	return c.headers
}

func (c *checker) index() {
	c.indexed = true
	c.headers = len(c.t.Headers())
	c.commonScenario = c.t.Scenario(ScenarioCommon)
	c.commonRequests = map[string]*Request{}
	if c.commonScenario != nil {
		for _, r := range c.commonScenario.Requests {
			if _, ok := c.commonRequests[r.Name]; !ok {
				c.commonRequests[r.Name] = r
			}
		}
	}
}

// setting returns the scenario setting with the name (the last one, as
// Scenario.Param), or nil.
func (c *checker) settingParam(s *Scenario, name string) *Parameter {
	if c.settings == nil {
		c.settings = map[*Scenario]map[string]*Parameter{}
	}
	byName, ok := c.settings[s]
	if !ok {
		byName = map[string]*Parameter{}
		for _, p := range s.Parameters {
			if p.Father == "" && p.Type == "" {
				byName[p.Name] = p
			}
		}
		c.settings[s] = byName
	}
	return byName[name]
}

// settingValue is the value of settingParam, or "".
func (c *checker) settingValue(s *Scenario, name string) string {
	if p := c.settingParam(s, name); p != nil {
		return p.Value
	}
	return ""
}
