"use strict";

// The page says why it is not shown; the person still sees who they are
// and can sign out.
sb.start(async () => {});
