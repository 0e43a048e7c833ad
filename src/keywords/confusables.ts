/**
 * Characters that look like an ASCII letter or digit, mapped to it: the single-character entries of
 * Unicode's confusables.txt (UTS #39, version 17.0.0, 2025-07-22) whose prototype is one ASCII letter
 * or digit, leaving out those that NFKC or removing diacritics already map. Generated, not edited:
 * read confusables.txt, keep "X ; Y ; MA" lines where X is one non-ASCII code point and Y one ASCII
 * letter or digit, drop X when NFKC(X) or X without its marks is Y already.
 * Used only to read a Latin keyword written with lookalike letters ("ЅТОР" in Cyrillic, "ՏTOP").
 */
export const CONFUSABLE_FROM = "𜳲ꝚƧϨꙄᒿꛯ𝈆३૩𜳳ꞫȜƷꝪⲜⳄⳌЗӠ𖼻𑣊𜳴Ꮞ𑢯𜳵Ƽ𑢻𜳶ⳓⳒϬⳜбᏮ𑣕𝈒𜳷𐓒𑣆ଃ৪੪𞣋𜳸ȣȢ𐌚੧୨৭൭𜳹ꝮⳋⳊ𑣌𑢬𑣖⍺ɑα𝛂𝛼𝜶𝝰𝞪а𜳖Α𝚨𝛢𝜜𝝖𝞐АᎪᗅꓮ𖽀𐊠ƄЬᏏᑲᖯ𖺶𜳗ꞴΒ𝚩𝛣𝜝𝝗𝞑ⲂВᏴᗷꓐ𐊂𐊡𐌁ᴄϲⲥсငၚꮯ𐐽🝌𑣩𑣲𜳘ϹⲤСᏟꓚ𐊢𐌂𐐕𐔜ԁᏧᑯꓒ𜳙Ꭰᗞᗪꓓ℮ꬲеҽ⋿𜳚Ε𝚬𝛦𝜠𝝚𝞔ЕⴹᎬꓰ𑢦𑢮𐊆ꬵꞙƒſẝք𝈓𜳛ꞘϜ𝟊ᖴꓝ𑣂𑢢𐊇𐊥𐔥ɡᶃƍց𜳜ԌᏀᏳꓖһհᏂ𜳝Η𝚮𝛨𝜢𝝜𝞖ⲎНᎻᕼꓧ𐋏˛⍳ı𝚤ɪɩιιͺ𝛊𝜄𝜾𝝸𝞲ⲓіꙇւꭵᎥ𑣃ϳј𜳟ꞲͿЈᎫᒍꓙ𜳠Κ𝚱𝛫𝜥𝝟𝞙ⲔКᏦᛕꓗ𐔘׀∣⏽￨١۱𐌠𞣇𜳱𝟏𝟙𝟣𝟭𝟷🯱ＩⅠℐℑ𜳞𝐈𝐼𝑰𝓘𝕀𝕴𝖨𝗜𝘐𝙄𝙸ƖǀΙ𝚰𝛪𝜤𝝞𝞘ⲒІӏӀוןا𞸀𞺀ﺎﺍߊⵏᛁꓲ𖼨𐊊𐌉𑷚𑷡𖺪𝈪𜳡ⳐᏞᒪꓡ𖼖𑢣𑢲𐐛𐔦𜳢Μ𝚳𝛭𝜧𝝡𝞛ϺⲘМᎷᗰᛖꓟ𐊰𐌑ոռ𜳣Ν𝚴𝛮𝜨𝝢𝞜Ⲛꓠ𐔓ంಂംං०০੦૦୦௦౦൦๐໐၀០𑓐٥۵ᴏᴑꬽο𝛐𝜊𝝄𝝾𝞸σ𝛔𝜎𝝈𝞂𝞼ⲟϭоჿօסه𞸤𞹤𞺄ﻫﻬﻪﻩھﮬﮭﮫﮪہﮨﮩﮧﮦەഠဝ𐓪𑣈𑣗𐐬߀೦〇𑣠𜳰𝟎𝟘𝟢𝟬𝟶🯰𜳤Ο𝚶𝛰𝜪𝝤𝞞ⲞОՕⵔዐଠ𐓂ꓳ𑢵𐊒𐊫𐐄𐔖𑷠⍴þƿρϱ𝛒𝛠𝜌𝜚𝝆𝝔𝞀𝞎𝞺𝟈ϸⲣⳏр𜳥Ρ𝚸𝛲𝜬𝝦𝞠ⲢⳎРᏢᑭꓑ𐊕ԛգզ𜳦ⵕꭇꭈᴦⲅгꮁ𝈖𜳧ƦᎡᏒ𐒴ᖇꓣ𖼵ꜱƽѕടꮪ𑣁𐑈𜳨ЅՏᏕᏚꓢ𖼺𐊖𐐠⊤⟙🝨𜳩Τ𝚻𝛵𝜯𝝩𝞣ⲦТᎢꓔ𖼊𑢼𐊗𐊱𐌕ꞟᴜꭎꭒʋυ𝛖𝜐𝝊𝞄𝞾ս𐓶𑣘∪⋃𜳪Սሀ𐓎ᑌꓴ𖽂𑢸∨⋁ᴠν𝛎𝜈𝝂𝝼𝞶ѵט𑜆ꮩ𑣀𝈍٧۷𜳫ѴⴸᏙᐯꛟꓦ𖼈𑢠𐔝ɯᴡⲽѡшԝա𑜊𑜎𑜏ꮃ𑣦𑣯𜳬ԜᎳᏔꓪ᙮×⤫⤬⨯хᕁᕽ᙭╳𐌢𑣬𜳭ꞳΧ𝚾𝛸𝜲𝝬𝞦ⲬХⵝᚷꓫ𐊐𐊴𐌗𐔧ɣᶌʏỿꭚγℽ𝛄𝛾𝜸𝝲𝞬ⲩуүყ𑣜𜳮Υϒ𝚼𝛶𝜰𝝪𝞤ⲨУҮᎩᎽꓬ𖽃𑢤𐊲ᴢꮓ𑣄𑣥𐋵𜳯Ζ𝚭𝛧𝜡𝝛𝞕Ꮓꓜ𑢩";
export const CONFUSABLE_TO = "22222223333333333333334445556666666677778888888899999999999aaaaaaaaaAAAAAAAAAAAAAbbbbbbBBBBBBBBBBBBBBBBccccccccCCCCCCCCCCCCCddddDDDDDeeeeEEEEEEEEEEEEEEEffffffFFFFFFFFFFFFggggGGGGGhhhHHHHHHHHHHHHHiiiiiiiiiiiiiiiiiiiiijjJJJJJJJKKKKKKKKKKKKKllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllLLLLLLLLLLLMMMMMMMMMMMMMMMMnnNNNNNNNNNNoooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOpppppppppppppppppppPPPPPPPPPPPPPPqqqQQrrrrrrRRRRRRRRRsssssssSSSSSSSSSTTTTTTTTTTTTTTTTTTTuuuuuuuuuuuuuuUUUUUUUUUUvvvvvvvvvvvvvvVVVVVVVVVVVVVwwwwwwwwwwwWWWWWWWxxxxxxxxXXXXXXXXXXXXXXXXXXXXXyyyyyyyyyyyyyyyyyYYYYYYYYYYYYYYYYYzzzZZZZZZZZZZZZ";
