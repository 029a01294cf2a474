"use strict";

sb.start(async () => {
  document.getElementById("templates-page").hidden = false;
});
