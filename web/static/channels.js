"use strict";

sb.start(async () => {
  document.getElementById("channels-page").hidden = false;
});
