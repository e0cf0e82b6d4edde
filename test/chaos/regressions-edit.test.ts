/** Chaos regressions, edits: a late edit, a burst of edits, an update whose new text was not delivered (the harness: fixed-defect.ts). */
import { fixedDefect } from './fixed-defect.js';

// Issue 17 #2, "The latest edit wins".
fixedDefect('late-edit', 'an edit delivered late overwrites a newer one');
// Issue 17 #3, "Edits are coalesced" (a busy relay answers HTTP 500).
fixedDefect('edit-burst', 'a burst of edits finds the relay busy');
// An update whose new text Fxiaoke refused was answered "✅ Updated in Fxiaoke".
fixedDefect('update-not-delivered', 'an update whose new text was not delivered is called updated');
