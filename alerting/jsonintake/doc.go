// Package jsonintake is a generic, documented JSON alert intake for
// sources that have no package of their own: SaaS-security tools (SaaS
// Alerts and the like), monitoring scripts, anything that can POST JSON.
// Its Handler is an http.Handler that authenticates a delivery, decodes
// it and hands the alert to an alerting.Acceptor (an *alerting.Engine),
// like the vendor webhook handlers of the driver packages; it passes
// alertingtest.RunIntake. A second kind of delivery reports how many users
// a customer has, for PSA sinks that bill per user (WithUserCounter).
// Serve it with alerting/receiver (receiver.Serve or receiver.NewServer),
// which adds the server's timeouts, caps and connection limits.
//
// # Alert deliveries
//
// POST one JSON object (UTF-8; Content-Type is not checked, but send
// application/json) with these keys, deciding keys first (see "What is
// refused"):
//
//	{
//	  "kind":          "alert",               // optional; "alert" is the default
//	  "source":        "saasalerts",          // required: one of WithSources
//	  "event_id":      "evt-8d41",            // required: this delivery's ID
//	  "action":        "raise",               // required: "raise" or "resolve"
//	  "alert_id":      "alert-17",            // optional: shared by raise and resolve; default event_id
//	  "customer_ref":  "org-42",              // optional: the sender's customer (organisation) ID
//	  "device_id":     "",                    // optional: a device the alert concerns
//	  "time":          "2025-05-01T09:30:00Z",// optional: RFC 3339
//	  "alert_type":    "Too Many Downloads",  // required for a raise
//	  "user_email":    "ann@contoso.example", // optional: address or UPN of the user concerned
//	  "customer_name": "Contoso",             // optional: the customer's name (auto-matching uses it)
//	  "device_name":   "",                    // optional
//	  "severity":      "high",                // optional: info, low, medium, high, critical (or warning, major, …)
//	  "title":         "…",                   // optional: default alert_type + ": " + user_email
//	  "body":          "…"                    // optional: default a summary of the fields
//	}
//
// event_id, alert_id, customer_ref and device_id may also be non-negative
// JSON integers; every other value is a string; null counts as missing.
// The engine deduplicates on source, action and event_id: a redelivery
// (the sender retrying after a lost answer) has one effect. A resolve
// names the alert it resolves by alert_id, or, when the sender has no
// alert_id, repeats the raise's event_id. A resolve closes the alert's
// ticket as the engine's configuration says, so only a sender that
// knows when an alert is over should send one. Alert is the same schema
// as a Go struct, for senders in Go.
//
// # User count deliveries
//
//	{"kind": "user_count", "source": "saasalerts", "customer_ref": "org-42",
//	 "user_count": 57, "time": "2025-05-01T00:00:00Z", "customer_name": "Contoso"}
//
// source, customer_ref and user_count (an integer from 0 to MaxUserCount)
// are required. The count goes to the UserCounter of WithUserCounter (a
// sink that sets the unit count of a customer's per-user contract line);
// it is a count, not a change, so a redelivery is harmless. The
// authentication is that of alerts. UserCount is the Go form.
//
// # Authentication
//
// Configure one or more of:
//
//   - WithSigningSecrets: the sender signs the raw body with a shared
//     secret and sends SignatureHeader, "X-Mspsync-Signature:
//     sha256=<hex HMAC-SHA256 of the body>" (Sign computes it). This is
//     the one to use: the secret never travels and the body cannot be
//     altered. A request carrying the header is decided by it alone.
//   - WithHeaderToken: for senders that cannot sign, the secret itself in
//     "X-Mspsync-Token: <token>" or "Authorization: Bearer <token>".
//   - WithURLToken: for senders that can only be given a URL,
//     https://host/path?token=<token>. URLs reach access logs; keep this
//     token for this intake alone.
//
// Secrets and tokens are at least MinSecretLen characters (generate 32
// random bytes: openssl rand -hex 32); each option takes several, for a
// rotation. Comparisons run in constant time; no secret, token or body
// is ever logged or put into an answer. Signing a delivery with openssl
// and curl:
//
//	body='{"kind":"alert","source":"saasalerts","event_id":"evt-8d41","action":"raise","customer_ref":"org-42","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","customer_name":"Contoso"}'
//	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$ALERTS_SECRET" -hex | sed 's/^.* //')
//	curl -sS https://mspsync.example/alerts/json \
//	  -H 'Content-Type: application/json' \
//	  -H "X-Mspsync-Signature: sha256=$sig" \
//	  --data-binary "$body"
//
// (--data-binary sends the bytes that were signed; -d would strip line
// breaks from a body read from a file.) With a token instead:
//
//	curl -sS https://mspsync.example/alerts/json -H "X-Mspsync-Token: $ALERTS_TOKEN" --data-binary "$body"
//	curl -sS "https://mspsync.example/alerts/json?token=$ALERTS_TOKEN" --data-binary "$body"
//
// # What is refused
//
// The same rules as the vendor intakes: POST only (405); a body over the
// cap (WithMaxBody, default DefaultMaxBody) is refused unread (413); the
// authentication is checked on the raw bytes before anything is decoded
// (401); the body must be one valid JSON object with the required fields
// in the types above, and an unknown kind or action, an e-mail that is
// not one, a time that is not RFC 3339 or an ID with control characters
// is refused with a message naming the field (400); a source outside
// WithSources is refused (403). Every refusal is counted with the
// engine (alerting.ReasonBadSignature or ReasonMalformedPayload, under the
// first configured source until the body has named an accepted one) and
// changes nothing.
//
// Each key is read from its first occurrence, as in the Datto RMM
// intake: a repeated key is ignored and its name logged, never obeyed,
// and never a reason to refuse the alert. Keys the schema does not have
// are ignored (names logged). A severity the engine does not know leaves
// the alert's severity unknown rather than losing the alert.
//
// A JSON encoder escapes text, so nothing in a value can become a key.
// A sender that instead pastes text into a template string (as Datto RMM
// does) must put the deciding keys — kind, source, event_id, action,
// alert_id, customer_ref, device_id — before the first free text, with an
// empty value when it has none, as in the schema above: text that repeats
// one of them is then only a repeat. A deciding key whose first
// occurrence follows free text is still used, but logged, since text
// could have supplied it. Alert and UserCount marshal in that order.
//
// # Answers
//
// 200 {"ok":true} once the alert is durably recorded (or the count
// taken); 422 {"error":…} when the engine rejects the alert or the
// UserCounter refuses the count for good (do not retry); 503 when
// nothing was recorded (retry); 4xx {"error":…} for the refusals above.
//
// # Mapping a source's own format
//
// A source that posts its own JSON (SaaS Alerts' delivery format is not
// documented here) needs a small translation into this schema, by the
// sender or by a relay: see the SaaS Alerts-shaped example, which maps an
// event shaped as user, alert type, organisation and time. That mapping
// is the part to adjust to what the source really sends. Actions a
// source performs in its own product (SaaS Alerts' "+Add to SaaS Alerts"
// button) are outside mspsync.
package jsonintake
