from flask import abort

from lms.catalogue import bp, queries

# Media never changes under a URL (the URL carries its digest), and an SVG opened on its own
# must not run script: sandboxed, no script sources.
MEDIA_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    ),
    "X-Content-Type-Options": "nosniff",
}


@bp.route("/modules/<slug>/media/<digest>/<path:path>")
def media(slug: str, digest: str, path: str):
    if len(digest) != 16 or not digest.isalnum():
        abort(404)
    blob = queries.media(slug, digest, path)
    if blob is None:
        abort(404)
    return (
        blob.data,
        200,
        {"Content-Type": blob.content_type, "ETag": f'"{blob.sha256}"', **MEDIA_HEADERS},
    )
