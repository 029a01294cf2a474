package messaging

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging/smpp"
	"github.com/switchboard/switchboard/templates"
)

// An SMPP channel (Transport="smpp") reads its connection from its
// fields, by the names of seed 004's BYO SMPP configuration; this file
// turns them into the transport's Config and says what is wrong with
// them, so a channel that could never bind is refused when it is saved.

// smppSetup is an SMPP channel's fields read: how to bind, and the error
// mapping its error_map field adds to the template's.
type smppSetup struct {
	cfg    smpp.Config
	errors map[string]ErrorDef
	key    string // a digest of the fields: a changed one means binding again
}

// smppSetupOf reads an SMPP channel's fields (vars holds them, secrets
// included).
func smppSetupOf(vars engine.Vars) (*smppSetup, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	get := func(name, def string) string {
		if v := strings.TrimSpace(vars[name]); v != "" {
			return v
		}
		return def
	}
	st := &smppSetup{errors: map[string]ErrorDef{}, key: fieldsDigest(vars)}
	host := get("host", "")
	if host == "" {
		add("host (SMSC Address) is required")
	}
	port, err := strconv.Atoi(get("port", "2776"))
	if err != nil || port < 1 || port > 65535 {
		add("port %q is not a TCP port (1 to 65535)", vars["port"])
	}
	st.cfg.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	switch strings.ToLower(get("tls", "on")) {
	case "on", "1", "true", "yes":
		tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if ca := get("tls_ca", ""); ca != "" {
			if tc.RootCAs, err = certPool(ca); err != nil {
				add("tls_ca: %v", err)
			}
		}
		st.cfg.TLS = tc
	case "off", "0", "false", "no":
	default:
		add("tls %q is not on or off", vars["tls"])
	}
	st.cfg.SystemID, st.cfg.Password, st.cfg.SystemType = get("system_id", ""), vars["password"], get("system_type", "")
	if st.cfg.SystemID == "" {
		add("system_id (System ID) is required")
	} else if len(st.cfg.SystemID) > 15 {
		add("system_id %q is longer than SMPP's 15 characters", st.cfg.SystemID)
	}
	if len(st.cfg.Password) > 8 {
		add("password is longer than SMPP's 8 characters")
	}
	if len(st.cfg.SystemType) > 12 {
		add("system_type %q is longer than SMPP's 12 characters", st.cfg.SystemType)
	}
	st.cfg.Bind = smpp.BindType(strings.ToLower(get("bind_type", string(smpp.Transceiver))))
	if !slices.Contains(smpp.BindTypes, st.cfg.Bind) {
		add("bind_type %q is not one of transceiver, transmitter, receiver, transmitter+receiver", vars["bind_type"])
	}
	st.cfg.Source.TON = tonNPI(vars, "source_ton", tons, add)
	st.cfg.Source.NPI = tonNPI(vars, "source_npi", npis, add)
	st.cfg.Dest.TON = tonNPI(vars, "dest_ton", tons, add)
	st.cfg.Dest.NPI = tonNPI(vars, "dest_npi", npis, add)
	if st.cfg.Charsets, err = smpp.ParseCharsets(get("charsets", "")); err != nil {
		add("charsets: %v", err)
	}
	if raw := get("error_map", ""); raw != "" {
		if err := readErrorMapping(raw, st.errors); err != nil {
			add("error_map: %v", err)
		}
	}
	if len(problems) > 0 {
		return nil, problem(KindInvalid, "the SMPP connection's fields: %s", strings.Join(problems, "; "))
	}
	return st, nil
}

// certPool reads the PEM certificates of a private SMSC's authority. A
// one-line form field loses a pasted PEM's line breaks, so a certificate
// whose base64 runs on one line, or breaks at spaces, is read too.
func certPool(s string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for _, block := range pemBlock.FindAllStringSubmatch(s, -1) {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(block[1]), ""))
		if err != nil {
			return nil, fmt.Errorf("certificate %d is not base64: %v", n+1, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("certificate %d cannot be read: %v", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("holds no PEM certificate (-----BEGIN CERTIFICATE----- …)")
	}
	return pool, nil
}

var pemBlock = regexp.MustCompile(`-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----`)

// The TON and NPI values seed 004 offers.
var (
	tons = []int{0, 1, 2, 3, 4, 5, 6}
	npis = []int{0, 1, 3, 4, 6, 8, 9, 10, 13, 18}
)

func tonNPI(vars engine.Vars, name string, allowed []int, add func(string, ...any)) byte {
	v := strings.TrimSpace(vars[name])
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(allowed, n) {
		add("%s %q is not one of %s", name, v, strings.Trim(fmt.Sprint(allowed), "[]"))
		return 0
	}
	return byte(n)
}

// readErrorMapping reads seed 004's advanced configuration: an object
// whose protocolSpecificCodeMapping maps a command_status (decimal) to a
// genericErrorCode (0 success, 2 temporary, 3 permanent), a
// genericErrorCause and a description. AUTHENTICATION_FAILED refuses the
// credentials. Only the codes it names change; the template's mapping
// keeps the others.
func readErrorMapping(raw string, into map[string]ErrorDef) error {
	var doc struct {
		Mapping map[string]struct {
			Code        *int   `json:"genericErrorCode"`
			Cause       string `json:"genericErrorCause"`
			Description string `json:"description"`
		} `json:"protocolSpecificCodeMapping"`
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("not the JSON of an error mapping: %v", err)
	}
	for _, code := range slices.Sorted(maps.Keys(doc.Mapping)) {
		m := doc.Mapping[code]
		if n, err := strconv.ParseUint(code, 10, 32); err != nil {
			return fmt.Errorf("code %q is not a command_status in decimal", code)
		} else if n == 0 {
			continue // success is success
		}
		kind := ""
		switch {
		case m.Code == nil:
			return fmt.Errorf("code %s has no genericErrorCode", code)
		case strings.EqualFold(m.Cause, "AUTHENTICATION_FAILED"):
			kind = "auth"
		case *m.Code == 2:
			kind = "temporary"
		case *m.Code == 3:
			kind = "permanent"
		default:
			return fmt.Errorf("code %s: genericErrorCode %d is not 2 (temporary) or 3 (permanent)", code, *m.Code)
		}
		msg := strings.TrimSpace(strings.TrimSpace(m.Cause) + ": " + strings.TrimSpace(m.Description))
		into[code] = ErrorDef{Message: strings.Trim(msg, ": "), Kind: kind}
	}
	return nil
}

// fieldsDigest is a digest of every field value: the bind is made again
// when one changes.
func fieldsDigest(vars engine.Vars) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		fmt.Fprintf(h, "%q=%q\n", k, vars[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkTransportFields refuses the fields of an SMPP channel that could
// never bind, before the channel is saved.
func (s *Service) checkTransportFields(t *engine.Template, fields, secrets map[string]string) error {
	if t.Source.Transport() != templates.TransportSMPP {
		return nil
	}
	vars := engine.Vars{}
	for k, v := range fields {
		vars[k] = v
	}
	for k, v := range secrets {
		vars[k] = v
	}
	_, err := smppSetupOf(vars)
	return err
}
