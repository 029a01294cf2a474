"use strict";

sb.start(async () => {
  document.getElementById("history-page").hidden = false;
});
