"use strict";

sb.start(async () => {
  document.getElementById("tokens-page").hidden = false;
});
