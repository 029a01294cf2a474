package templates

// KnownVariables are the variables Switchboard itself provides to templates:
// the call variables of the seed's tables, the contact and ticket variables
// filled along a call, and the ones specific scenarios set. Custom fields,
// outputs and scenario settings add to these per template.
var KnownVariables = []string{
	// The call.
	"Phone", "RawPhone", "CallerNumber", "CallerName", "CallerDisplayName", "CalleeNumber", "CalleeName",
	"Call_From", "Call_To", "Communication_Type", "Call_Status", "Call_Log_Status", "CallDisposition",
	"Time", "StartTimeUnix", "EndTimeUnix", "CallDuration", "Talk_Duration", "Talk_Duration_Sec",
	"RecordPath", "EnableCallRecording",
	// The extension and its bound helpdesk user.
	"ExtensionFirstName", "ExtensionLastName", "ExtensionEmail", "CrmId",
	// The contact and ticket.
	"ContactSyncType", "ContactId", "ContactNumber", "TicketId", "Subject", "Description",
	"FirstName", "LastName", "DisplayName", "BusinessNumber", "Email", "Company",
	// Scenario-specific and auth; Page, Offset, PageSize and Cursor page
	// through UserAssociation.
	"SearchValue", "AccessToken", "Page", "Offset", "PageSize", "Cursor",
	// Messaging: a message sent or received, the channel number it uses,
	// VerifyChannel's challenge, a webhook's handshake token and a delivery
	// report.
	"MessageId", "From", "To", "Text", "MediaUrls", "MediaUrl", "ReceivedAt", "NumberId",
	"Challenge", "VerifyToken", "WebhookUrl", "Status", "ErrorCode", "ErrorMessage",
	// ChatJournal: a messaging session's transcript (ChatMessages is a
	// JSON array, printed outside strings).
	"ChatSessionId", "ChatChannel", "ChatChannelNumber", "ChatAgent", "ChatStartTime", "ChatEndTime",
	"ChatStartTimeUnix", "ChatEndTimeUnix", "ChatMessageCount", "ChatTranscript", "ChatMessages", "ChatPart", "ChatFinal",
}
