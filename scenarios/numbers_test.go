package scenarios_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
)

func TestNumberFormat(t *testing.T) {
	for _, tc := range []struct {
		f    scenarios.NumberFormat
		raw  string
		want string
	}{
		{scenarios.NumberFormat{Format: "e164", DefaultCountry: "GB"}, "01632 960961", "+441632960961"},
		{scenarios.NumberFormat{Format: "e164", DefaultCountry: "GB", StripPrefix: "9"}, "901632960961", "+441632960961"},
		{scenarios.NumberFormat{Format: "e164", StripPrefix: "9"}, "9 00 44 1632 960961", "00 44 1632 960961"}, // no country: not readable, prefix gone
		{scenarios.NumberFormat{Format: "e164", DefaultCountry: "DE", StripPrefix: "0"}, "0004930901820", "+4930901820"},
		{scenarios.NumberFormat{Format: "national", DefaultCountry: "US"}, "+1 (415) 555-0100", "(415) 555-0100"},
		{scenarios.NumberFormat{Format: "international"}, "+14155550100", "+1 415-555-0100"},
		{scenarios.NumberFormat{Format: "digits", DefaultCountry: "US"}, "415-555-0100", "14155550100"},
		{scenarios.NumberFormat{StripPrefix: "9"}, "914155550100", "14155550100"},
		{scenarios.NumberFormat{StripPrefix: "9"}, "+914155550100", "+914155550100"},             // written with +: no dial-out prefix
		{scenarios.NumberFormat{Format: "e164", DefaultCountry: "US"}, "1001", "1001"},           // an extension
		{scenarios.NumberFormat{Format: "e164", DefaultCountry: "US"}, "anonymous", "anonymous"}, // withheld
	} {
		require.Equal(t, tc.want, tc.f.Apply(tc.raw), "%+v %q", tc.f, tc.raw)
	}
}

func TestFormatNumbersKeepsTheRawNumber(t *testing.T) {
	c := &scenarios.Call{Direction: scenarios.Inbound, Extension: "1001", External: scenarios.Party{Number: "901632960961", Name: "Dana"}}
	vars := c.Vars(scenarios.CallContext{})
	c.FormatNumbers(vars, &scenarios.NumberFormat{StripPrefix: "9", DefaultCountry: "GB", Format: "e164"})
	require.Equal(t, engine.Vars{"Phone": "+441632960961", "RawPhone": "901632960961", "CallerNumber": "+441632960961",
		"ContactNumber": "+441632960961", "BusinessNumber": "+441632960961", "CalleeNumber": "1001"},
		engine.Vars{"Phone": vars["Phone"], "RawPhone": vars["RawPhone"], "CallerNumber": vars["CallerNumber"],
			"ContactNumber": vars["ContactNumber"], "BusinessNumber": vars["BusinessNumber"], "CalleeNumber": vars["CalleeNumber"]})
}
