/**
 * US area codes (NANP numbering plan areas) with their state or territory and IANA time zones.
 *
 * Version 2026-11-27. Compiled from the North American Numbering Plan Administrator's public NPA
 * assignments (nationalnanpa.com, "NPA Database" and the area code maps) and the IANA time zone
 * database. A test checks that every US area code libphonenumber-js knows is listed here, and
 * another that every area code's zones cover those of libphonenumber's own time-zone map
 * (fixtures/libphonenumber-nanp-timezones.txt) for all its exchanges, each difference explained.
 *
 * `zones` is given only where an area code differs from its state's zones or spans several:
 * then the send window is the one allowed in all of them.
 * Non-geographic codes (5XX personal communications, 8XX toll-free, 900) have no place: the
 * window allowed across all US time zones applies to them.
 */
export const AREA_CODES_VERSION = '2026-11-27';

const EASTERN = 'America/New_York';
const CENTRAL = 'America/Chicago';
const MOUNTAIN = 'America/Denver';
const ARIZONA = 'America/Phoenix';
const PACIFIC = 'America/Los_Angeles';
const ALASKA = 'America/Anchorage';
const ALEUTIAN = 'America/Adak';
const HAWAII = 'Pacific/Honolulu';

/** Each state's zones, the most common first. */
export const STATE_ZONES: Readonly<Record<string, readonly string[]>> = {
  AL: [CENTRAL], AK: [ALASKA], AZ: [ARIZONA], AR: [CENTRAL], CA: [PACIFIC], CO: [MOUNTAIN], CT: [EASTERN],
  DE: [EASTERN], DC: [EASTERN], FL: [EASTERN], GA: [EASTERN], HI: [HAWAII], ID: [MOUNTAIN], IL: [CENTRAL],
  IN: ['America/Indiana/Indianapolis'], IA: [CENTRAL], KS: [CENTRAL], KY: [EASTERN], LA: [CENTRAL], ME: [EASTERN],
  MD: [EASTERN], MA: [EASTERN], MI: ['America/Detroit'], MN: [CENTRAL], MS: [CENTRAL], MO: [CENTRAL], MT: [MOUNTAIN],
  NE: [CENTRAL], NV: [PACIFIC], NH: [EASTERN], NJ: [EASTERN], NM: [MOUNTAIN], NY: [EASTERN], NC: [EASTERN],
  ND: [CENTRAL], OH: [EASTERN], OK: [CENTRAL], OR: [PACIFIC], PA: [EASTERN], RI: [EASTERN], SC: [EASTERN],
  SD: [CENTRAL], TN: [CENTRAL], TX: [CENTRAL], UT: [MOUNTAIN], VT: [EASTERN], VA: [EASTERN], WA: [PACIFIC],
  WV: [EASTERN], WI: [CENTRAL], WY: [MOUNTAIN],
  PR: ['America/Puerto_Rico'], VI: ['America/St_Thomas'], GU: ['Pacific/Guam'], MP: ['Pacific/Saipan'],
  AS: ['Pacific/Pago_Pago'],
};

const BY_STATE: Readonly<Record<string, readonly number[]>> = {
  AL: [205, 251, 256, 334, 659, 938],
  AK: [907],
  AZ: [480, 520, 602, 623, 928],
  AR: [327, 479, 501, 870],
  CA: [209, 213, 279, 310, 323, 341, 350, 369, 408, 415, 424, 442, 510, 530, 559, 562, 619, 626, 628, 650, 657, 661, 669, 707, 714, 738, 747, 760, 805, 818, 820, 831, 837, 840, 858, 909, 916, 925, 949, 951],
  CO: [303, 719, 720, 748, 970, 983],
  CT: [203, 475, 860, 959],
  DE: [302],
  DC: [202, 771],
  FL: [239, 305, 321, 324, 352, 386, 407, 448, 561, 645, 656, 689, 727, 728, 754, 772, 786, 813, 850, 863, 904, 941, 954],
  GA: [229, 404, 470, 478, 678, 706, 762, 770, 912, 943],
  HI: [808],
  ID: [208, 986],
  IL: [217, 224, 309, 312, 331, 447, 464, 618, 630, 708, 730, 773, 779, 815, 847, 861, 872],
  IN: [219, 260, 317, 463, 574, 765, 812, 930],
  IA: [319, 515, 563, 641, 712],
  KS: [316, 620, 785, 913],
  KY: [270, 364, 502, 606, 859],
  LA: [225, 318, 337, 504, 985],
  ME: [207],
  MD: [227, 240, 301, 410, 443, 667],
  MA: [339, 351, 413, 508, 617, 774, 781, 857, 978],
  MI: [231, 248, 269, 313, 517, 586, 616, 679, 734, 810, 906, 947, 989],
  MN: [218, 320, 507, 612, 651, 763, 924, 952],
  MS: [228, 601, 662, 769],
  MO: [235, 314, 417, 557, 573, 636, 660, 816, 975],
  MT: [406],
  NE: [308, 402, 531],
  NV: [702, 725, 775],
  NH: [603],
  NJ: [201, 551, 609, 640, 732, 848, 856, 862, 908, 973],
  NM: [505, 575],
  NY: [212, 315, 329, 332, 347, 363, 516, 518, 585, 607, 624, 631, 646, 680, 716, 718, 838, 845, 914, 917, 929, 934],
  NC: [252, 336, 472, 704, 743, 828, 910, 919, 980, 984],
  ND: [701],
  OH: [216, 220, 234, 283, 326, 330, 380, 419, 436, 440, 513, 567, 614, 740, 937],
  OK: [405, 539, 572, 580, 918],
  OR: [458, 503, 541, 971],
  PA: [215, 223, 267, 272, 412, 445, 484, 570, 582, 610, 717, 724, 814, 835, 878],
  RI: [401],
  SC: [803, 821, 839, 843, 854, 864],
  SD: [605],
  TN: [423, 615, 629, 731, 865, 901, 931],
  TX: [210, 214, 254, 281, 325, 346, 361, 409, 430, 432, 469, 512, 682, 713, 726, 737, 806, 817, 830, 832, 903, 915, 936, 940, 945, 956, 972, 979],
  UT: [385, 435, 801],
  VT: [802],
  VA: [276, 434, 540, 571, 686, 703, 757, 804, 826, 948],
  WA: [206, 253, 360, 425, 509, 564],
  WV: [304, 681],
  WI: [262, 274, 353, 414, 534, 608, 715, 920],
  WY: [307],
  PR: [787, 939],
  VI: [340],
  GU: [671],
  MP: [670],
  AS: [684],
};

/** Area codes that span zones, or sit in another zone than most of their state. */
const ZONE_OVERRIDES: Readonly<Record<number, readonly string[]>> = {
  850: [CENTRAL, EASTERN], // Florida panhandle: Pensacola Central, Tallahassee Eastern
  448: [CENTRAL, EASTERN], // overlay of 850
  915: [MOUNTAIN], // El Paso
  432: [CENTRAL, MOUNTAIN], // west Texas: Hudspeth and Culberson counties are Mountain
  270: [CENTRAL, EASTERN], // western Kentucky
  364: [CENTRAL, EASTERN], // overlay of 270
  606: [EASTERN, CENTRAL], // eastern Kentucky, a few Central counties
  931: [CENTRAL, EASTERN], // middle Tennessee, Cumberland Plateau counties Eastern
  423: [EASTERN, CENTRAL], // east Tennessee, Marion County Central
  865: [EASTERN], // Knoxville, Oak Ridge, Gatlinburg: east Tennessee is Eastern
  219: [CENTRAL, 'America/Indiana/Indianapolis'], // northwest Indiana: Lake, Porter, LaPorte Central; Pulaski and others Eastern
  812: ['America/Indiana/Indianapolis', CENTRAL], // southwest Indiana (Evansville) is Central
  930: ['America/Indiana/Indianapolis', CENTRAL], // overlay of 812
  574: ['America/Indiana/Indianapolis', CENTRAL], // Starke County is Central
  906: ['America/Detroit', 'America/Menominee'], // Upper Peninsula: four counties Central
  701: [CENTRAL, MOUNTAIN], // southwest North Dakota Mountain
  605: [CENTRAL, MOUNTAIN], // western South Dakota Mountain
  308: [CENTRAL, MOUNTAIN], // western Nebraska Mountain
  620: [CENTRAL, MOUNTAIN], // four western Kansas counties Mountain
  785: [CENTRAL, MOUNTAIN], // northwest Kansas
  541: [PACIFIC, 'America/Boise'], // Malheur County, Oregon, is Mountain
  458: [PACIFIC, 'America/Boise'], // overlay of 541
  208: ['America/Boise', PACIFIC], // north Idaho is Pacific
  986: ['America/Boise', PACIFIC], // overlay of 208
  928: [ARIZONA, MOUNTAIN], // the Navajo Nation keeps daylight saving time
  775: [PACIFIC, MOUNTAIN], // West Wendover, Nevada, is Mountain
  907: [ALASKA, ALEUTIAN], // the Aleutians west of 169°30′W
};

/**
 * Exchanges (NPA-NXX) whose zones differ from their area code's: then these zones apply instead.
 * Numbers keep their exchange when ported within a rate centre, so the exchange still places them.
 */
const EXCHANGE_ZONE_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  // Unalaska / Dutch Harbor lies east of 169°30′W and keeps Alaska time, but libphonenumber's map
  // puts the exchange in Pacific/Honolulu (an hour behind in summer): the window allowed in both.
  '907581': [ALASKA, HAWAII],
};

export interface AreaCodePlace {
  state: string;
  zones: readonly string[];
}

const PLACES = new Map<number, AreaCodePlace>();
const EXCHANGE_PLACES = new Map<string, AreaCodePlace>();
for (const [state, codes] of Object.entries(BY_STATE)) {
  for (const code of codes) PLACES.set(code, { state, zones: ZONE_OVERRIDES[code] ?? STATE_ZONES[state]! });
}

/** Non-geographic codes: personal communications services, toll-free, premium. */
export const NON_GEOGRAPHIC = new Set([500, 521, 522, 523, 524, 525, 526, 527, 528, 529, 532, 533, 544, 566, 577, 588, 800, 833, 844, 855, 866, 877, 888, 900]);

/** Every zone of the 50 states and DC: a non-geographic number may be in any of them. */
export const ALL_STATE_ZONES: readonly string[] = [EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC, ALASKA, HAWAII];

for (const [exchange, zones] of Object.entries(EXCHANGE_ZONE_OVERRIDES)) {
  const place = PLACES.get(Number(exchange.slice(0, 3)));
  if (place) EXCHANGE_PLACES.set(exchange, { state: place.state, zones });
}

/** The place of an E.164 +1 number, or undefined for a non-geographic or unknown area code. */
export function placeOf(e164: string): AreaCodePlace | undefined {
  if (!e164.startsWith('+1') || e164.length !== 12) return undefined;
  return EXCHANGE_PLACES.get(e164.slice(2, 8)) ?? PLACES.get(Number(e164.slice(2, 5)));
}

export function knownAreaCodes(): number[] {
  return [...PLACES.keys()];
}
