/** Chaos regressions, revokes: a lost revoke answer, for a revoke and for an update's old copy (the harness: fixed-defect.ts). */
import { fixedDefect } from './fixed-defect.js';

// Issue 17 #5, "A lost revoke answer stays uncertain until it is settled".
fixedDefect('lost-revoke-answer', 'a revoke whose answer was lost is shown as Sent');
// The update variant of issue 17 #5: the old copy's revoke answer lost, then "already revoked".
fixedDefect('lost-update-revoke-answer', 'an update whose revoke answer was lost says the old copy stays');
