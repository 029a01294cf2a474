"use strict";

sb.start(async () => {
  document.getElementById("calls-page").hidden = false;
});
