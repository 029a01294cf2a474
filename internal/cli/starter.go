package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/templates"
)

func newStarter() *cobra.Command {
	var provider, auth string
	cmd := &cobra.Command{
		Use:   "new --provider helpdesk|crm|sms --auth none|basic|oauth2|bearertoken",
		Short: "Print a starter template that validates, to fill in with a vendor's API",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("template new takes no arguments; redirect its output to a file")
			}
			src, err := templates.Starter(strings.ToLower(provider), strings.ToLower(auth))
			if err != nil {
				return usageErr("%v", err)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), src)
			return err
		},
	}
	cmd.Flags().StringVar(&provider, "provider", "helpdesk", "helpdesk, crm or sms (a messaging channel)")
	cmd.Flags().StringVar(&auth, "auth", "basic", "none, basic, oauth2 or bearertoken")
	return cmd
}
