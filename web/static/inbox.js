"use strict";

sb.start(async () => {
  document.getElementById("inbox-page").hidden = false;
});
