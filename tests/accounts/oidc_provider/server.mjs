// A real OpenID Connect provider for the single sign-on tests: panva's OpenID-certified
// oidc-provider with its development login and consent pages (any login name signs in as
// that account; the password is not checked), one client (the site) and a few accounts.
//
// Environment: PORT (127.0.0.1), CLIENT_ID, CLIENT_SECRET, CALLBACK_PATH (the site's
// redirect path), POST_LOGOUT_PATH (where the site wants people back after signing out).
// Every start signs with a fresh RSA key of a new key id, so starting it again on the same
// port is a key rotation. Prints "ready <issuer>" once it serves.
import { randomUUID } from "node:crypto";

import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

// The claims each account releases. "civil_service" is the province directory's own scope:
// the national civil-servant code, and the codes of the unit and position the person holds.
const ACCOUNTS = {
  lan: {
    preferred_username: "nguyen.thi.lan",
    name: "Nguyễn Thị Lan",
    email: "lan@haiphong.gov.vn",
    civil_servant_code: "HP-000123",
    unit_code: "HP-HB",
    position_code: "VT",
  },
  minh: {
    preferred_username: "tran.van.minh",
    name: "Trần Văn Minh",
    email: "minh@haiphong.gov.vn",
    civil_servant_code: "HP-000456",
    unit_code: "HP-HB",
    position_code: "VT",
  },
  // Known to the province, unknown to the site.
  stranger: { preferred_username: "le.van.la", name: "Lê Văn Lạ" },
};

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      // "native" so that a loopback redirect address matches on any port (RFC 8252 §7.3):
      // the site under test listens on a port chosen when it starts. The Flask test client's
      // http://localhost is registered as it is.
      application_type: "native",
      redirect_uris: [
        `http://127.0.0.1${process.env.CALLBACK_PATH}`,
        `http://localhost${process.env.CALLBACK_PATH}`,
      ],
      post_logout_redirect_uris: [
        `http://127.0.0.1${process.env.POST_LOGOUT_PATH}`,
        `http://localhost${process.env.POST_LOGOUT_PATH}`,
      ],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingKey] },
  // The site must send a PKCE challenge, though it is a confidential client.
  pkce: { required: () => true },
  scopes: ["openid", "profile", "email", "civil_service"],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email"],
    civil_service: ["civil_servant_code", "unit_code", "position_code"],
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(ACCOUNTS[id] ?? {}) };
      },
    };
  },
  cookies: { keys: [randomUUID()] },
});

provider.listen(port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
