/* The summary editor: each section's text is editable, each {figure.key} placeholder is shown as a chip
   (not editable, deletable as a whole) with the figure's current sentence. On submit every editor is
   written back as plain text with {figure.key} placeholders into its textarea, which is what the server
   receives. Without JavaScript the textareas stay visible and are edited directly. No libraries. */
(function () {
  "use strict";

  var PLACEHOLDER = /\{([a-z_]+\.[a-z0-9_]+)\}/g;
  var BLOCKS = /^(DIV|P|LI|H[1-6])$/;

  function readTexts() {
    var node = document.getElementById("figure-texts");
    try {
      return node ? JSON.parse(node.textContent) : {};
    } catch (e) {
      return {};
    }
  }

  function chip(key, figure) {
    var span = document.createElement("span");
    span.className = "chip";
    span.contentEditable = "false";
    span.setAttribute("data-key", key);
    span.textContent = figure.text || figure.label || key;
    span.title = (figure.label || "") + " {" + key + "}";
    return span;
  }

  /* Plain text with placeholders → one <div> per line, placeholders of known figures as chips. */
  function fill(editor, text, texts) {
    editor.textContent = "";
    text.replace(/\r\n/g, "\n").split("\n").forEach(function (line) {
      var div = document.createElement("div");
      var last = 0;
      line.replace(PLACEHOLDER, function (match, key, offset) {
        if (!Object.prototype.hasOwnProperty.call(texts, key)) {
          return match; // unknown: stays as text, so the server names it
        }
        if (offset > last) div.appendChild(document.createTextNode(line.slice(last, offset)));
        div.appendChild(chip(key, texts[key]));
        last = offset + match.length;
        return match;
      });
      if (last < line.length) div.appendChild(document.createTextNode(line.slice(last)));
      if (!div.childNodes.length) div.appendChild(document.createElement("br"));
      editor.appendChild(div);
    });
  }

  /* The editor's content → plain text: chips become {key}, blocks and <br> become line breaks. */
  function serialize(editor) {
    var out = "";
    function newline() {
      if (out && out.charAt(out.length - 1) !== "\n") out += "\n";
    }
    function walk(node) {
      for (var n = node.firstChild; n; n = n.nextSibling) {
        if (n.nodeType === 3) {
          out += n.nodeValue.replace(/\u00a0/g, " ");
        } else if (n.nodeType === 1) {
          if (n.hasAttribute("data-key")) {
            out += "{" + n.getAttribute("data-key") + "}";
          } else if (n.tagName === "BR") {
            out += "\n";
          } else if (BLOCKS.test(n.tagName)) {
            newline();
            walk(n);
            newline();
          } else {
            walk(n);
          }
        }
      }
    }
    walk(editor);
    return out.replace(/[ \t]+\n/g, "\n").replace(/\n{2,}/g, "\n").trim();
  }

  var saved = null; // the last caret position inside an editor

  function remember() {
    var sel = window.getSelection();
    if (!sel || !sel.rangeCount) return;
    var range = sel.getRangeAt(0);
    var host = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentNode;
    var editor = host && host.closest ? host.closest(".editor") : null;
    if (editor) saved = { editor: editor, range: range.cloneRange() };
  }

  function insert(editor, key, figure) {
    var node = chip(key, figure);
    var range;
    if (saved && saved.editor === editor) {
      range = saved.range;
    } else {
      range = document.createRange();
      var last = editor.lastElementChild || editor;
      range.selectNodeContents(last);
      range.collapse(false);
    }
    range.deleteContents();
    range.insertNode(node);
    // a stray <br> placeholder of an empty line is no longer needed
    var prev = node.previousSibling;
    if (prev && prev.nodeType === 1 && prev.tagName === "BR" && prev.parentNode === node.parentNode) {
      prev.parentNode.removeChild(prev);
    }
    range = document.createRange();
    range.setStartAfter(node);
    range.collapse(true);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    saved = { editor: editor, range: range.cloneRange() };
    editor.focus();
  }

  function setUp(form) {
    var texts = readTexts();
    form.classList.add("js-editor");
    form.querySelectorAll(".editor").forEach(function (editor) {
      var source = document.getElementById(editor.getAttribute("data-source"));
      if (!source) return;
      fill(editor, source.value, texts);
      editor.contentEditable = "true";
      editor.hidden = false;
      source.hidden = true;
      editor.addEventListener("keyup", remember);
      editor.addEventListener("mouseup", remember);
      editor.addEventListener("input", remember);
      editor.addEventListener("paste", function (event) {
        // plain text only: pasted formatting would not survive saving anyway
        event.preventDefault();
        var text = (event.clipboardData || window.clipboardData).getData("text");
        document.execCommand("insertText", false, text);
      });
      var section = editor.closest(".editor-section");
      section.querySelectorAll(".figure-insert").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the caret in the editor
        });
        button.addEventListener("click", function () {
          var key = button.getAttribute("data-key");
          insert(editor, key, texts[key] || { text: button.getAttribute("data-text"), label: button.getAttribute("data-label") });
        });
      });
    });
    form.addEventListener("submit", function () {
      form.querySelectorAll(".editor").forEach(function (editor) {
        var source = document.getElementById(editor.getAttribute("data-source"));
        if (source) source.value = serialize(editor);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("summary-edit");
    if (form) setUp(form);
  });
})();
