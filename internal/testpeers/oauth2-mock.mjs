// Starts oauth2-mock-server (a real OAuth2 server no one here wrote) on a
// free 127.0.0.1 port for the Go tests. It prints one JSON line
// {"url": issuer} when ready, then one line {"token": {...}} for every token
// request it answers, so tests can see which grant and refresh token were
// used. It stops when its standard input closes, i.e. when the test ends.
//
// Like the providers that rotate refresh tokens (Google, Microsoft, Zoho,
// HubSpot…), a refresh token works once: the refresh_token grant answers
// invalid_grant for a refresh token it did not issue or has already
// rotated. (oauth2-mock-server itself issues a new refresh token on every
// grant but accepts any.) Each access token carries a unique jti, so two
// tokens issued within one second differ, as real providers' do.
//
// Environment: TOKEN_TTL sets expires_in (seconds); FAIL_REFRESH=1 makes
// refresh_token grants fail with invalid_grant.
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
const ttl = process.env.TOKEN_TTL ? Number(process.env.TOKEN_TTL) : undefined;
// The refresh tokens issued and not yet used. Node runs one handler at a
// time, so of two requests with the same refresh token exactly one finds it
// here.
const live = new Set();

server.service.on('beforeTokenSigning', (token) => {
  token.payload.jti = randomUUID();
});

server.service.on('beforeResponse', (response, req) => {
  const body = req.body || {};
  if (ttl !== undefined && response.body.expires_in !== undefined) {
    response.body.expires_in = ttl;
  }
  if (process.env.FAIL_REFRESH === '1' && body.grant_type === 'refresh_token') {
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'The refresh token has been revoked' };
  } else if (body.grant_type === 'refresh_token' && !live.delete(body.refresh_token)) {
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'The refresh token is invalid or was already used' };
  }
  if (response.statusCode === 200 && response.body.refresh_token) {
    live.add(response.body.refresh_token);
  }
  const seen = {
    grant_type: body.grant_type,
    code: body.code,
    redirect_uri: body.redirect_uri,
    refresh_token_in: body.refresh_token,
    refresh_token_out: response.body.refresh_token,
    client_id_in_body: body.client_id,
    basic_auth: (req.headers.authorization || '').startsWith('Basic '),
    status: response.statusCode,
  };
  process.stdout.write(JSON.stringify({ token: seen }) + '\n');
});

await server.start(0, '127.0.0.1');
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
process.stdout.write(JSON.stringify({ url: server.issuer.url }) + '\n');
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
process.stdin.resume();
