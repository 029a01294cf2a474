"use strict";

sb.start(async () => {
  document.getElementById("integrations-page").hidden = false;
});
