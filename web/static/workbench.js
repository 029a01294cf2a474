"use strict";

sb.start(async () => {
  document.getElementById("workbench-page").hidden = false;
});
