// Package redact removes credentials from text before it reaches a log line, an error
// message or an output: the password of a URL's user info, the values of query
// parameters and key=value settings that carry secrets (password, token, sig, key,
// secret, ...), and a webhook URL's path and query, which chat services use as the
// secret itself (https://hooks.slack.com/services/T000/B000/XXXX).
//
// The functions are pure and safe for concurrent use; they never return the secret,
// not even in part.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "REDACTED"

// secretKey matches the names of settings that hold secrets, as in a libpq keyword/value
// string ("password=..."), a URL query ("?sslpassword=...", "&token=...") or a signed
// URL ("sig=...", "X-Amz-Signature=...").
var secretKey = regexp.MustCompile(`(?i)(password|passwd|pwd|token|secret|sig|signature|credential|apikey|api_key|access_key|key)`)

// DSN returns a database connection string with its password and every secret
// setting replaced by Mask. It accepts URLs (postgres://user:pw@host/db?password=...)
// and libpq keyword/value strings (host=db password=pw). Text that is neither is
// returned masked whole, since it cannot be known to hold no secret.
func DSN(dsn string) string {
	if strings.Contains(dsn, "://") {
		return URL(dsn)
	}
	if strings.Contains(dsn, "=") {
		return keywordValues(dsn)
	}
	if dsn == "" {
		return ""
	}
	return Mask
}

// URL returns u with the password of its user info and the values of secret query
// parameters replaced by Mask. A URL that does not parse is masked whole after its
// scheme.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "://"); i >= 0 {
			return raw[:i+3] + Mask
		}
		return Mask
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Mask)
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = maskQuery(u.RawQuery)
	}
	if u.Fragment != "" {
		u.Fragment = Mask
	}
	return unescapeMask(u.String())
}

// Webhook returns a webhook URL reduced to its scheme and host: the path and query of a
// webhook are its secret (Slack, Teams and most chat services authenticate by them).
func Webhook(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Mask
	}
	out := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		out += "/" + Mask
	}
	return out
}

// String returns s with every secret it contains replaced: each of the given secrets
// (a whole DSN, a webhook URL, a password read from a file) by its redacted form (an
// http(s) URL as Webhook gives it, anything else as DSN gives it), and, for each secret
// that is a URL, its password and secret query values where they appear alone. Use it
// on error messages from libraries that may quote their input.
func String(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		if strings.HasPrefix(sec, "http://") || strings.HasPrefix(sec, "https://") {
			s = strings.ReplaceAll(s, sec, Webhook(sec))
		} else {
			s = strings.ReplaceAll(s, sec, DSN(sec))
		}
		if u, err := url.Parse(sec); err == nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				s = strings.ReplaceAll(s, pw, Mask)
			}
			if u.RawQuery != "" {
				s = strings.ReplaceAll(s, u.RawQuery, maskQuery(u.RawQuery))
			}
		}
	}
	return s
}

func maskQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && secretKey.MatchString(k) {
			parts[i] = k + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}

// keywordValues masks the secret values of a libpq keyword/value string, quoted
// values included ("password='a b'").
func keywordValues(s string) string {
	var b strings.Builder
	i := 0
	for i < len(s) {
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			b.WriteString(s[i:])
			break
		}
		key := s[i : i+eq]
		b.WriteString(key)
		b.WriteByte('=')
		i += eq + 1
		end := i
		if end < len(s) && s[end] == '\'' {
			end++
			for end < len(s) && s[end] != '\'' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			end++
		} else {
			for end < len(s) && s[end] != ' ' {
				end++
			}
		}
		end = min(end, len(s))
		if secretKey.MatchString(strings.TrimSpace(key[strings.LastIndexByte(key, ' ')+1:])) {
			b.WriteString(Mask)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	return b.String()
}

func unescapeMask(s string) string {
	return strings.ReplaceAll(s, url.QueryEscape(Mask), Mask)
}

// Error returns err with its message passed through String with the given secrets;
// errors.Is and errors.As still see err. Nil for nil. Use it on errors of libraries
// that may quote their input (a driver's parse error, net/http's *url.Error).
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := String(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
