// The lesson editor: EasyMDE (vendored) on each Markdown textarea of the page. Without
// JavaScript the plain textarea works the same; the preview is always rendered by the server.
(function () {
  "use strict";
  if (typeof window.EasyMDE !== "function") {
    return;
  }
  var labels = document.getElementById("editor-labels");
  function label(name) {
    return (labels && labels.dataset[name]) || name;
  }
  function button(name, action, text, title) {
    return { name: name, action: action, text: text, title: label(title), className: "editor-button" };
  }
  var toolbar = [
    button("bold", window.EasyMDE.toggleBold, "B", "bold"),
    button("italic", window.EasyMDE.toggleItalic, "I", "italic"),
    button("heading", window.EasyMDE.toggleHeadingSmaller, "H", "heading"),
    "|",
    button("unordered-list", window.EasyMDE.toggleUnorderedList, "•", "list"),
    button("ordered-list", window.EasyMDE.toggleOrderedList, "1.", "numbered"),
    button("quote", window.EasyMDE.toggleBlockquote, "❝", "quote"),
    button("link", window.EasyMDE.drawLink, "URL", "link"),
    button("table", window.EasyMDE.drawTable, "▦", "table"),
    "|",
    button("undo", window.EasyMDE.undo, "↶", "undo"),
    button("redo", window.EasyMDE.redo, "↷", "redo"),
  ];
  document.querySelectorAll("textarea.markdown-editor").forEach(function (textarea) {
    var fieldLabel = document.querySelector('label[for="' + textarea.id + '"]');
    var editor = new window.EasyMDE({
      element: textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      nativeSpellcheck: true,
      status: false,
      forceSync: true,
      toolbar: toolbar,
      minHeight: "14rem",
      inputStyle: "contenteditable",
      renderingConfig: { markedOptions: { sanitize: true } },
    });
    var input = editor.codemirror.getInputField();
    if (fieldLabel) {
      input.setAttribute("aria-label", fieldLabel.textContent.trim());
    }
  });
})();
