// A real OpenID Connect provider for the tests (panva/oidc-provider, pinned in
// package.json / package-lock.json). Started by tests/oidc_provider.py, never in production.
//
//   node provider.mjs <port> <client_id> <client_secret> <redirect_uri> [<redirect_uri> ...]
//
// Accounts: the development login form accepts any password and treats the login
// field as the account id. Every id is an account with the address <id>@example.com;
// ids starting with "unverified" have email_verified=false.
// Prints "READY <issuer>" on stdout once it listens.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function account(id) {
  const email = `${id.toLowerCase()}@example.com`;
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email,
        email_verified: !id.toLowerCase().startsWith('unverified'),
        name: `Test ${id}`,
        preferred_username: id,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // PKCE: S256 only, and required for this confidential client too.
  pkce: { methods: ['S256'], required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  findAccount: (ctx, id) => account(id),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key-1234567890'] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>oops</title><pre>${JSON.stringify(out)}</pre>`;
  },
});
// The dev interactions warn on stderr at start; the tests read stdout only.
provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
