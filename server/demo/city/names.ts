/** Names of the demo city's streets, communities and roads: endless pools of distinct two-character names. */

export function shuffle<T>(a: T[], rng: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export const PLACE_WORDS = [
  '东湖', '西山', '南湖', '北关', '金桥', '银杏', '翠竹', '青峰', '红星', '白沙', '黄岗', '紫荆', '碧波', '云台', '月湖',
  '星河', '新华', '人民', '解放', '建设', '和平', '文化', '胜利', '光明', '幸福', '团结', '友谊', '长江', '淮河', '长安',
  '永安', '永宁', '太平', '吉祥', '龙山', '凤凰', '麒麟', '锦绣', '桃源', '柳岸', '荷塘', '梅园', '竹林', '松涛', '枫林',
  '朝阳', '晨曦', '明珠', '宝塔', '文昌', '书院', '学府', '科技', '创新', '振兴', '富民', '兴业', '安居', '乐业', '康宁',
  '滨河', '滨湖', '临江', '望江', '观澜', '翠湖', '清溪', '鹿鸣', '鹤鸣', '双塘', '三里', '五里', '七星', '九龙', '百花',
  '千岛', '万寿', '状元', '茶山', '稻香', '渔港', '盐仓', '铁佛', '石桥', '玉泉', '金山', '银湖', '铜陵', '锡山', '梧桐',
];
const PREFIX_CHARS = ['东', '西', '南', '北', '中', '新', '上', '下', '前', '后', '金', '银', '玉', '青', '白', '红', '绿', '黄', '长', '龙'];
const SUFFIX_CHARS = ['湖', '山', '桥', '园', '林', '河', '溪', '岭', '港', '塘', '湾', '坊', '苑', '庄', '岗', '坪', '洲', '泉', '亭', '门'];
export const COMMUNITY_WORDS = [
  '桂花', '海棠', '紫藤', '玉兰', '芙蓉', '牡丹', '丁香', '杏花', '梨花', '石榴', '樱桃', '茉莉', '蔷薇', '百合', '芳草',
  '春晖', '夏荷', '秋实', '冬青', '兰亭', '菊园', '枫桥', '松园', '柏树', '杨柳', '香樟', '银桂', '金桂', '栀子', '杜鹃',
  '月季', '水仙', '腊梅', '合欢', '紫薇', '凌霄', '木棉', '红枫', '翠柏', '青松', '芦花', '稻花', '麦香', '果园', '花园',
  '书香', '墨香', '听雨', '观山', '望湖', '映月', '揽星', '清风', '明月', '朝霞', '彩虹', '春雨', '瑞雪', '和风', '暖阳',
  '怡和', '祥和', '平安', '安康', '福寿', '如意', '长乐', '长青', '嘉禾', '丰收', '景福', '瑞祥', '泰和', '德馨', '惠民',
];
const DIGITS_ZH = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

function zhNumber(n: number): string {
  if (n < 10) return DIGITS_ZH[n];
  if (n < 20) return '十' + (n % 10 ? DIGITS_ZH[n % 10] : '');
  if (n < 100) return DIGITS_ZH[Math.floor(n / 10)] + '十' + (n % 10 ? DIGITS_ZH[n % 10] : '');
  return String(n);
}

/** An endless supply of distinct two-character names: words, then prefix+suffix pairs, then numbered repeats. */
export function namePool(words: string[], rng: () => number): (k: number) => string {
  const seen = new Set<string>();
  const base: string[] = [];
  for (const w of shuffle([...words], rng)) if (!seen.has(w)) { seen.add(w); base.push(w); }
  const combos: string[] = [];
  for (const p of PREFIX_CHARS) for (const s of SUFFIX_CHARS) if (!seen.has(p + s)) { seen.add(p + s); combos.push(p + s); }
  const all = base.concat(shuffle(combos, rng));
  return (k) => (k < all.length ? all[k] : all[k % all.length] + zhNumber(Math.floor(k / all.length) + 1));
}
