/**
 * Slack emoji shortcodes → Unicode, for text relayed to Fxiaoke (which shows `:tada:` literally).
 * The ~120 most used Slack shortcodes, names as Slack spells them (aliases included); anything
 * else (custom emoji, rare ones) stays as written.
 */

const EMOJI: Readonly<Record<string, string>> = {
  // faces
  smile: '😄',
  smiley: '😃',
  grinning: '😀',
  grin: '😁',
  laughing: '😆',
  satisfied: '😆',
  joy: '😂',
  rolling_on_the_floor_laughing: '🤣',
  sweat_smile: '😅',
  slightly_smiling_face: '🙂',
  upside_down_face: '🙃',
  wink: '😉',
  blush: '😊',
  innocent: '😇',
  heart_eyes: '😍',
  star_struck: '🤩',
  kissing_heart: '😘',
  yum: '😋',
  stuck_out_tongue: '😛',
  stuck_out_tongue_winking_eye: '😜',
  thinking_face: '🤔',
  face_with_raised_eyebrow: '🤨',
  neutral_face: '😐',
  expressionless: '😑',
  no_mouth: '😶',
  smirk: '😏',
  unamused: '😒',
  face_with_rolling_eyes: '🙄',
  grimacing: '😬',
  relieved: '😌',
  pensive: '😔',
  sleepy: '😪',
  sleeping: '😴',
  mask: '😷',
  nerd_face: '🤓',
  sunglasses: '😎',
  confused: '😕',
  worried: '😟',
  slightly_frowning_face: '🙁',
  open_mouth: '😮',
  astonished: '😲',
  flushed: '😳',
  pleading_face: '🥺',
  cry: '😢',
  sob: '😭',
  scream: '😱',
  disappointed: '😞',
  sweat: '😓',
  weary: '😩',
  tired_face: '😫',
  triumph: '😤',
  rage: '😡',
  angry: '😠',
  exploding_head: '🤯',
  partying_face: '🥳',
  hugging_face: '🤗',
  shushing_face: '🤫',
  zipper_mouth_face: '🤐',
  skull: '💀',
  ghost: '👻',
  robot_face: '🤖',
  see_no_evil: '🙈',
  // hands and people
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  ok_hand: '👌',
  clap: '👏',
  wave: '👋',
  raised_hands: '🙌',
  pray: '🙏',
  muscle: '💪',
  point_up: '☝️',
  point_right: '👉',
  point_left: '👈',
  point_down: '👇',
  v: '✌️',
  crossed_fingers: '🤞',
  handshake: '🤝',
  raised_hand: '✋',
  hand: '✋',
  writing_hand: '✍️',
  eyes: '👀',
  brain: '🧠',
  bow: '🙇',
  man_shrugging: '🤷‍♂️',
  woman_shrugging: '🤷‍♀️',
  shrug: '🤷',
  facepalm: '🤦',
  // hearts and symbols
  heart: '❤️',
  orange_heart: '🧡',
  yellow_heart: '💛',
  green_heart: '💚',
  blue_heart: '💙',
  purple_heart: '💜',
  broken_heart: '💔',
  sparkling_heart: '💖',
  '100': '💯',
  fire: '🔥',
  sparkles: '✨',
  star: '⭐',
  star2: '🌟',
  zap: '⚡',
  boom: '💥',
  tada: '🎉',
  confetti_ball: '🎊',
  balloon: '🎈',
  gift: '🎁',
  trophy: '🏆',
  medal: '🏅',
  first_place_medal: '🥇',
  rocket: '🚀',
  bulb: '💡',
  moneybag: '💰',
  dollar: '💵',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  calendar: '📆',
  date: '📅',
  memo: '📝',
  pencil: '📝',
  pencil2: '✏️',
  clipboard: '📋',
  pushpin: '📌',
  paperclip: '📎',
  link: '🔗',
  lock: '🔒',
  key: '🔑',
  bell: '🔔',
  mega: '📣',
  loudspeaker: '📢',
  email: '📧',
  envelope: '✉️',
  inbox_tray: '📥',
  outbox_tray: '📤',
  package: '📦',
  phone: '☎️',
  telephone_receiver: '📞',
  iphone: '📱',
  computer: '💻',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  mag: '🔍',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  gear: '⚙️',
  coffee: '☕',
  beers: '🍻',
  cake: '🍰',
  birthday: '🎂',
  pizza: '🍕',
  sunny: '☀️',
  cloud: '☁️',
  umbrella: '☔',
  snowflake: '❄️',
  earth_asia: '🌏',
  // marks
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  ballot_box_with_check: '☑️',
  x: '❌',
  heavy_multiplication_x: '✖️',
  negative_squared_cross_mark: '❎',
  warning: '⚠️',
  exclamation: '❗',
  heavy_exclamation_mark: '❗',
  question: '❓',
  grey_question: '❔',
  bangbang: '‼️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  black_circle: '⚫',
  arrow_right: '➡️',
  arrow_left: '⬅️',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  arrows_counterclockwise: '🔄',
  repeat: '🔁',
  new: '🆕',
  ok: '🆗',
  sos: '🆘',
  information_source: 'ℹ️',
  heavy_plus_sign: '➕',
  heavy_minus_sign: '➖',
  speech_balloon: '💬',
  thought_balloon: '💭',
  wastebasket: '🗑️',
  hammer: '🔨',
};

/** Emoji that take Slack's `::skin-tone-N:` suffix (Fitzpatrick modifiers). */
const TONEABLE = new Set([
  '👍',
  '👎',
  '👌',
  '👏',
  '👋',
  '🙌',
  '🙏',
  '💪',
  '☝️',
  '👉',
  '👈',
  '👇',
  '✌️',
  '🤞',
  '✋',
  '✍️',
  '🙇',
  '🤷',
  '🤦',
]);
const TONES: Readonly<Record<string, string>> = { '2': '🏻', '3': '🏼', '4': '🏽', '5': '🏾', '6': '🏿' };

export function emojiFor(name: string): string | undefined {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name] : undefined;
}

/** `:tada:` → 🎉, `:+1::skin-tone-4:` → 👍🏽; unknown shortcodes and `10:30:00` stay as written. */
export function emojiToUnicode(text: string): string {
  const shortcode = /:([a-z0-9_+'-]+):/g;
  let out = '';
  let last = 0;
  for (let match = shortcode.exec(text); match; match = shortcode.exec(text)) {
    const emoji = emojiFor(match[1] ?? '');
    if (!emoji) {
      // The closing colon may open the next shortcode (`:nope:tada:`).
      shortcode.lastIndex = match.index + match[0].length - 1;
      continue;
    }
    let end = match.index + match[0].length;
    let value = emoji;
    const tone = /^:skin-tone-([2-6]):/.exec(text.slice(end));
    if (tone) {
      end += tone[0].length;
      const modifier = TONES[tone[1] ?? ''];
      if (modifier && TONEABLE.has(emoji)) value = `${emoji.replace('\uFE0F', '')}${modifier}`;
    }
    out += text.slice(last, match.index) + value;
    last = end;
    shortcode.lastIndex = end;
  }
  return out + text.slice(last);
}

/** A rich_text emoji element's `unicode` (`1f44d-1f3fd`), or undefined when it is not hex code points. */
export function fromUnicodeField(unicode: string | undefined): string | undefined {
  if (!unicode || !/^[0-9a-f]{2,6}(-[0-9a-f]{2,6})*$/i.test(unicode)) return undefined;
  return String.fromCodePoint(...unicode.split('-').map((hex) => Number.parseInt(hex, 16)));
}
