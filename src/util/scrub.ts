/**
 * Some providers echo the credential they were given in their error text ("Incorrect API
 * key provided: sk-…"). That text reaches the client's error body and the usage table's
 * attempt log, so anything that looks like a credential is cut out first.
 */

const REDACTED = '[redacted]';

/** Shapes of credentials in prose, JSON and URLs, each with what replaces it. */
const CREDENTIAL_SHAPES: [RegExp, string][] = [
  [/\bsk-[A-Za-z0-9_-]{6,}/g, REDACTED], // OpenAI, Anthropic (sk-ant-…), TokenHub (sk-th-…), many compatibles
  [/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED], // Google
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/([?&](?:key|api_key|api-key|access_token|token)=)[^&\s"'<>]+/gi, `$1${REDACTED}`],
  [/("(?:api_key|apiKey|api-key|x-api-key|authorization|access_token|token|secret)"\s*:\s*")[^"]{6,}(")/gi, `$1${REDACTED}$2`],
];

/** `text` with each of `secrets` (the provider's own key and credential headers) and anything credential-shaped replaced. */
export function scrubCredentials(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 8) continue; // too short to tell from ordinary words
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
  }
  for (const [re, replacement] of CREDENTIAL_SHAPES) out = out.replace(re, replacement);
  return out;
}

const CREDENTIAL_HEADER = /auth|key|token|secret|signature/i;

/** The credential values a request carries: the provider's key and the values of credential-named headers. */
export function credentialsOf(apiKey: string | undefined, ...headerSets: (Record<string, string> | undefined)[]): string[] {
  const out = apiKey ? [apiKey] : [];
  for (const headers of headerSets) {
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (!CREDENTIAL_HEADER.test(name) || typeof value !== 'string') continue;
      out.push(value, value.replace(/^(Bearer|Basic)\s+/i, ''));
    }
  }
  return out;
}
