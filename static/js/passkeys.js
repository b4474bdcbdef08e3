// Passkeys (WebAuthn) on the sign-in and account pages. A form marked data-passkey="sign-in"
// or "register" asks the server for options, hands them to navigator.credentials, and posts
// the answer back; the server says where to go next. Forms stay hidden without WebAuthn.
(function () {
  "use strict";
  if (!window.PublicKeyCredential) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }

  function toBase64url(buffer) {
    var binary = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(form, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrf_token]").value,
      },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.error || response.statusText);
        return json;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, { id: toBytes(d.id) }); });
  }

  function create(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (credential) {
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(credential.response.clientDataJSON),
          attestationObject: toBase64url(credential.response.attestationObject),
          transports: credential.response.getTransports ? credential.response.getTransports() : [],
        },
        clientExtensionResults: credential.getClientExtensionResults(),
      };
    });
  }

  function get(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (credential) {
      var response = credential.response;
      return {
        id: credential.id,
        rawId: toBase64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
        },
        clientExtensionResults: credential.getClientExtensionResults(),
      };
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var status = form.querySelector("[data-passkey-status]");
    var registering = form.getAttribute("data-passkey") === "register";
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.textContent = "";
      post(form, form.getAttribute("data-options-url"))
        .then(registering ? create : get)
        .then(function (credential) {
          var name = form.querySelector("input[name=name]");
          var body = registering ? { credential: credential, name: name.value } : credential;
          return post(form, form.getAttribute("data-verify-url"), body);
        })
        .then(function (answer) { window.location.assign(answer.redirect); })
        .catch(function (error) { status.textContent = error.message; });
    });
  });
})();
