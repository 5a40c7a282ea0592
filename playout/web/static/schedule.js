// The schedule editor: show only the fields of the kind of item chosen. Without JavaScript
// every field shows and the form works the same.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("fieldset.item select.item-type")) {
    const item = select.closest("fieldset.item");
    select.addEventListener("change", () => { item.dataset.type = select.value; });
  }
});
