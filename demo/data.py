"""Realistic, reproducible demo data: pooling regions, employers and insured persons.

Everything here is deterministic: the same seed, counts and day give the same rows.
Rows are produced as tuples of strings (None = SQL NULL) in the column order of
EMPLOYER_COLUMNS / PERSON_COLUMNS, so the same generator feeds both the COPY
loader (seed_demo) and the CSV writer (seed_demo --csv-dir, the benchmark baseline).

Identifiers are unique by construction, not by retrying:
- a person's resident ID is  <region code><birth date><sequence><check>; a bijective
  permutation of the row counter picks the (birth date, sequence) pair, so no two rows
  share the pair, whatever region code they carry;
- an employer's USCC carries an organisation code derived the same way from the counter.
Check characters follow GB 11643-1999 and GB 32100-2015 (common.identifiers), and the
organisation code (positions 9-17 of the USCC) follows GB 11714-1997.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from common.identifiers import (
    RESIDENT_ID_CHECK,
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    resident_id_check_character,
    uscc_check_character,
)

# --------------------------------------------------------------------------------------------
# Reference data: regions, names, places
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: str
    province: str
    city: str  # the prefecture-level city ("上海市" for a municipality's district)
    phone_area: str
    wage_2024: int  # approximate average monthly wage (yuan) used for the contribution base
    weight: float  # share of the generated employers and persons
    roads: tuple[str, ...]
    streets: tuple[str, ...]  # sub-district (街道) names, for offices, clinics and street offices

    @property
    def place(self) -> str:
        """Address prefix: 上海市黄浦区 / 广东省深圳市南山区."""
        prefix = self.city if self.province == self.city else self.province + self.city
        return prefix + self.name

    @property
    def city_place(self) -> str:
        """Name prefix of local bodies: 上海市黄浦区 / 深圳市南山区."""
        return self.city + self.name

    @property
    def city_short(self) -> str:
        return self.city.removesuffix("市")


POSTCODE_PREFIX = {"310101": "2000", "310104": "2000", "110105": "1000", "440305": "5180", "330106": "3100",
                   "510107": "6100"}

DEMO_REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion("310101", "黄浦区", "上海市", "上海市", "021", 12434, 0.22,
               ("南京东路", "淮海中路", "西藏中路", "河南南路", "中山南路", "复兴中路", "瑞金二路", "福州路"),
               ("南京东路", "外滩", "半淞园路", "小东门", "豫园", "老西门", "五里桥", "打浦桥", "淮海中路",
                "瑞金二路")),
    DemoRegion("310104", "徐汇区", "上海市", "上海市", "021", 12434, 0.18,
               ("漕溪北路", "肇嘉浜路", "衡山路", "虹桥路", "宜山路", "龙华中路", "田林路", "桂平路"),
               ("天平路", "湖南路", "斜土路", "枫林路", "长桥", "田林", "虹梅路", "康健新村", "徐家汇",
                "凌云路", "龙华", "漕河泾")),
    DemoRegion("110105", "朝阳区", "北京市", "北京市", "010", 11937, 0.20,
               ("建国路", "朝阳北路", "东三环中路", "光华路", "工体北路", "望京街", "酒仙桥路", "劲松路"),
               ("建外", "朝外", "呼家楼", "三里屯", "左家庄", "安贞", "亚运村", "小关", "酒仙桥", "麦子店",
                "团结湖", "八里庄", "双井", "劲松", "潘家园")),
    DemoRegion("440305", "南山区", "广东省", "深圳市", "0755", 13730, 0.15,
               ("深南大道", "科技园南路", "南海大道", "后海大道", "南山大道", "沙河西路", "学府路", "工业八路"),
               ("南头", "南山", "沙河", "蛇口", "招商", "粤海", "桃源", "西丽")),
    DemoRegion("330106", "西湖区", "浙江省", "杭州市", "0571", 10167, 0.13,
               ("文三路", "天目山路", "曙光路", "教工路", "古墩路", "文一西路", "学院路", "莫干山路"),
               ("北山", "西溪", "翠苑", "古荡", "灵隐", "文新", "三墩", "蒋村", "留下", "转塘")),
    DemoRegion("510107", "武侯区", "四川省", "成都市", "028", 9275, 0.12,
               ("人民南路", "科华北路", "武侯祠大街", "一环路南三段", "玉林南路", "高升桥路", "二环路西一段",
                "置信路"),
               ("浆洗街", "望江路", "玉林", "跳伞塔", "火车南站", "簇桥", "红牌楼", "晋阳", "簇锦", "华兴")),
)
REGION_BY_CODE = {r.code: r for r in DEMO_REGIONS}
WAGE_GROWTH = Decimal("1.035")  # a plausible yearly rise of the published average wage


def average_wage(region: DemoRegion, year: int) -> Decimal:
    """An approximate average monthly wage for the year (demo figures, whole yuan)."""
    return (Decimal(region.wage_2024) * WAGE_GROWTH ** (year - 2024)).quantize(Decimal("1"))


# Where migrants' resident IDs come from: real county-level division codes.
ORIGIN_CODES = (
    "320102", "320506", "320382", "340104", "341202", "341221", "410105", "411302", "411522", "420106",
    "421083", "430104", "430523", "360102", "362201", "500103", "500229", "370102", "371326", "130102",
    "220102", "230103", "610113", "450103", "350203", "530102", "520102", "140105", "620102", "510922",
)
LOCAL_SHARE = 0.62  # persons whose ID and household registration are in the region they are insured in

# (surname, weight in 1/10000 of the population), the common single and compound surnames.
SURNAMES = (
    ("王", 725), ("李", 719), ("张", 683), ("刘", 538), ("陈", 453), ("杨", 308), ("黄", 224), ("赵", 223),
    ("吴", 205), ("周", 198), ("徐", 157), ("孙", 152), ("马", 144), ("朱", 139), ("胡", 131), ("郭", 115),
    ("何", 106), ("林", 101), ("高", 100), ("罗", 99), ("郑", 79), ("梁", 79), ("谢", 71), ("宋", 63),
    ("唐", 63), ("许", 61), ("韩", 60), ("冯", 60), ("邓", 59), ("曹", 56), ("彭", 56), ("曾", 50),
    ("肖", 50), ("田", 49), ("董", 48), ("袁", 47), ("潘", 45), ("于", 45), ("蒋", 44), ("蔡", 43),
    ("余", 42), ("杜", 41), ("叶", 40), ("程", 39), ("苏", 38), ("魏", 37), ("吕", 36), ("丁", 35),
    ("任", 34), ("沈", 33), ("姚", 32), ("卢", 31), ("姜", 30), ("崔", 29), ("钟", 28), ("谭", 27),
    ("陆", 26), ("汪", 25), ("范", 24), ("金", 23), ("石", 22), ("廖", 21), ("贾", 20), ("夏", 19),
    ("韦", 18), ("付", 17), ("方", 16), ("白", 15), ("邹", 14), ("孟", 13), ("熊", 12), ("秦", 11),
    ("邱", 10), ("江", 10), ("尹", 10), ("薛", 10), ("闫", 10), ("段", 10), ("雷", 10), ("侯", 10),
    ("龙", 10), ("史", 10), ("欧阳", 2), ("司马", 1), ("诸葛", 1), ("上官", 1),
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建国文志海东亮成晨阳博轩睿哲昊泽杰鸿毅"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英玲桂红燕萍雪琳婷倩颖慧莉晶妍欣怡佳梦雨涵诗琪萱悦楠璐瑶月蕾婉"
GIVEN_NEUTRAL = "子晓思嘉安一文雅立新春清宁心"

BRAND_CHARS = "华信恒达中联鑫源宏盛金泰万通瑞丰新天嘉和安康永利博远东方海明光辉德正星创锦绿益佳润卓"
INDUSTRIES = ("科技", "信息技术", "贸易", "实业", "电子", "建设工程", "物流", "餐饮管理", "文化传媒", "医药",
              "企业管理咨询", "机械制造", "投资管理", "网络科技", "生物科技", "物业管理", "人力资源", "教育科技",
              "食品", "装饰工程", "供应链管理", "汽车服务", "软件", "广告")
COMPANY_FORMS = (("有限公司", 85), ("股份有限公司", 10), ("有限责任公司", 5))
BUREAUS = ("人民政府办公室", "发展和改革委员会", "教育局", "科学技术委员会", "民政局", "司法局", "财政局",
           "人力资源和社会保障局", "生态环境局", "住房保障和房屋管理局", "交通委员会", "商务委员会", "文化和旅游局",
           "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局")
PUBLIC_INSTITUTIONS = ("第{n}中学", "第{n}小学", "实验小学", "人民医院", "中心医院", "中医医院", "图书馆", "文化馆",
                       "疾病预防控制中心", "妇幼保健院", "少年宫", "档案馆", "职业技术学校", "{s}社区卫生服务中心",
                       "{s}社区事务受理服务中心", "第{n}幼儿园")
SOCIAL_ORGS = (("{c}市{i}行业协会", "51"), ("{c}市{i}商会", "51"), ("{c}{b}公益基金会", "53"),
               ("{d}{b}养老服务中心", "52"), ("{d}{b}社会工作服务中心", "52"), ("{c}{b}民办培训学校", "52"))
TRADES = ("软件", "餐饮", "物流", "物业管理", "服装", "建筑装饰", "电子商务", "会展", "广告", "家政服务")
SHOPS = ("面馆", "小吃店", "便利店", "水果店", "理发店", "五金店", "服装店", "烟酒店", "干洗店", "餐馆", "茶叶店",
         "修车铺", "花店", "早餐店")
CN_NUMBERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
EMAIL_DOMAINS = ("example.com", "example.cn", "example.org", "example.net")  # reserved: demo mail reaches nobody
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "186", "187", "188",
                   "189", "191", "198", "199")

# EmployerKind value -> (weight, USCC registration authority + entity type)
EMPLOYER_KINDS = (
    ("enterprise", 80, "91"),
    ("individual_business", 9, "92"),
    ("public_institution", 5, "12"),
    ("social_organisation", 3, None),  # 51/52/53 by the organisation's form
    ("government", 3, "11"),
)
# Registration status -> weight (percent)
EMPLOYER_STATUSES = (("registered", 90), ("pending", 4), ("unregistered", 4), ("cancelled", 2))
RISK_CLASS_WEIGHTS = (30, 25, 15, 10, 8, 6, 4, 2)  # classes 1..8: most employers are low-risk trades
RISK_FLOATS = ("50.0", "60.0", "70.0", "80.0", "90.0", "100.0", "110.0", "120.0", "130.0", "140.0", "150.0")
RISK_FLOAT_WEIGHTS = (2, 2, 3, 5, 8, 60, 8, 5, 3, 2, 2)

EMPLOYER_COLUMNS = (
    "uscc", "uscc_override_reason", "name", "kind", "region_id", "established_on", "registration_status",
    "registration_number", "registered_on", "risk_class", "risk_float_percent", "contact_name", "contact_phone",
    "contact_email", "address", "created_at",
)
PERSON_COLUMNS = (
    "document_type", "document_number", "name", "sex", "birth_date", "nationality", "region_id",
    "hukou_region_code", "hukou_type", "phone", "email", "postal_address", "statement_delivery", "created_at",
    "original_retirement_age",
)
EMPLOYER_TABLE = "employers_employer"
PERSON_TABLE = "insured_insuredperson"
PERSON_DOCUMENT_INDEX = PERSON_COLUMNS.index("document_number")

MIN_AGE, MAX_AGE = 16, 65


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def _rng(seed: int, stream: str, start: int) -> random.Random:
    """An independent, reproducible stream per table (str seeds hash with SHA-512, not hash())."""
    return random.Random(f"{seed}:{stream}:{start}")


def _cum(weights) -> list[float]:
    return list(accumulate(weights))


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def birth_date_range(today: date) -> tuple[date, date]:
    """Earliest and latest birth date of a person aged MIN_AGE..MAX_AGE on `today`."""
    return _years_back(today, MAX_AGE + 1) + timedelta(days=1), _years_back(today, MIN_AGE)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class _Permutation:
    """i -> (a*i + b) mod n, a bijection on 0..n-1 that scatters consecutive counters."""

    def __init__(self, n: int, rng: random.Random):
        self.n = n
        a = int(n * (math.sqrt(5) - 1) / 2) + rng.randrange(1000)  # near the golden ratio: well spread
        while math.gcd(a, n) != 1:
            a += 1
        self.a = a
        self.b = rng.randrange(n)

    def __call__(self, i: int) -> int:
        return (self.a * i + self.b) % self.n


def _org_code_check(body8: str) -> str:
    """GB 11714-1997 organisation code check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, weights, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, r = divmod(value, 31)
        out.append(USCC_ALPHABET[r])
    return "".join(reversed(out))


def timestamp_text(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


# --------------------------------------------------------------------------------------------
# Regions, offices and average wages (a handful of rows: the ORM is fine)
# --------------------------------------------------------------------------------------------

# The demo's contribution history starts here (demo/money.py): the 2024 interest, the latest year
# with a published rate, then has months to count.
HISTORY_FROM = date(2024, 7, 1)


def regions_ensure(today: date) -> dict[str, int]:
    """Create the demo regions, one Office each and AverageWage rows from the history's year (or last
    year, if later) to this year if missing.

    Returns {region code: region id} and leaves existing rows alone.
    """
    from agency.models import AverageWage, Office, Region

    ids: dict[str, int] = {}
    for spec in DEMO_REGIONS:
        region, _ = Region.objects.get_or_create(code=spec.code,
                                                 defaults={"name": spec.name, "province": spec.province})
        ids[spec.code] = region.pk
        if not Office.objects.filter(region=region).exists():
            Office.objects.create(region=region, name=f"{spec.name}社会保险事业管理中心",
                                  address=f"{spec.place}{spec.roads[0]}{100 + int(spec.code[-2:]) * 7}号")
        for year in range(min(HISTORY_FROM.year, today.year - 1), today.year + 1):
            AverageWage.objects.get_or_create(region=region, year=year, effective_from=date(year, 1, 1),
                                              defaults={"monthly_wage": average_wage(spec, year)})
        pension_parameters_ensure(region, spec, today)
    return ids


DEMO_SOURCE = "演示数据：计发基数取上年在岗职工月平均工资（非真实公布数）"


def pension_parameters_ensure(region, spec: DemoRegion, today: date) -> None:
    """The pension's parameters of a demo region (demo figures, marked as such in their source): the benefit base
    of each year up to this one (the previous year's average wage), a transitional coefficient of 1.2%, linear
    interpolation to the whole month for ages with months. Next year's base is left unpublished, so the estimates
    name it as missing."""
    from pensions.models import AgeMonthsPolicy, BenefitParameter

    for year in range(min(HISTORY_FROM.year, today.year - 1), today.year + 1):
        BenefitParameter.objects.get_or_create(
            region=region, year=year, effective_from=date(year, 1, 1),
            defaults={"benefit_base": average_wage(spec, year - 1), "transitional_percent": Decimal("1.20"),
                      "source": DEMO_SOURCE, "published_on": date(year - 1, 12, 31), "entered_by": "demo"})
    AgeMonthsPolicy.objects.get_or_create(region=region, effective_from=date(2025, 1, 1),
                                          defaults={"rule": "linear", "rounding": "month", "source": DEMO_SOURCE,
                                                    "published_on": date(2024, 12, 31), "entered_by": "demo"})


# --------------------------------------------------------------------------------------------
# Employers
# --------------------------------------------------------------------------------------------

def employer_rows(count: int, *, seed: int, region_ids: dict[str, int], today: date, created_at: datetime,
                  start: int = 0):
    """`count` employer rows; `start` is the counter of the first (the number of employers already seeded).

    The first rows cover every region, every EmployerKind, and row 0 is a registered
    enterprise of the first region (the demo portal's employer).
    """
    rng = _rng(seed, "employers", start)
    rnd = rng.random
    legacy = _Permutation(10 ** 8, rng)  # 8-digit organisation codes of the old system
    modern = _Permutation(31 ** 6, rng)  # "MA" + 6 characters: codes issued since 2015
    regions = DEMO_REGIONS
    region_cum = _cum(r.weight for r in regions)
    kind_cum = _cum(k[1] for k in EMPLOYER_KINDS)
    status_cum = _cum(s[1] for s in EMPLOYER_STATUSES)
    risk_cum = _cum(RISK_CLASS_WEIGHTS)
    float_cum = _cum(RISK_FLOAT_WEIGHTS)
    form_cum = _cum(f[1] for f in COMPANY_FORMS)
    surname_cum = _cum(s[1] for s in SURNAMES)
    created = timestamp_text(created_at)
    founding_floor = date(1992, 1, 1)

    def pick(seq, cum):
        return seq[bisect(cum, rnd() * cum[-1])]

    def person_name() -> str:
        surname = pick(SURNAMES, surname_cum)[0]
        chars = GIVEN_MALE if rnd() < 0.5 else GIVEN_FEMALE
        return surname + "".join(chars[int(rnd() * len(chars))] for _ in range(1 if rnd() < 0.3 else 2))

    def brand() -> str:
        a = int(rnd() * len(BRAND_CHARS))
        b = (a + 1 + int(rnd() * (len(BRAND_CHARS) - 1))) % len(BRAND_CHARS)
        return BRAND_CHARS[a] + BRAND_CHARS[b]

    for i in range(start, start + count):
        region = regions[i] if i < len(regions) else pick(regions, region_cum)
        kind, _, authority = EMPLOYER_KINDS[i] if i < len(EMPLOYER_KINDS) else pick(EMPLOYER_KINDS, kind_cum)
        status = "registered" if i < len(regions) else pick(EMPLOYER_STATUSES, status_cum)[0]
        local, city = region.city_place, region.city_short
        if kind == "enterprise":
            form = pick(COMPANY_FORMS, form_cum)[0]
            name = f"{city}{brand()}{INDUSTRIES[int(rnd() * len(INDUSTRIES))]}{form}"
        elif kind == "individual_business":
            name = (f"{local}{pick(SURNAMES, surname_cum)[0]}记{SHOPS[int(rnd() * len(SHOPS))]}"
                    if rnd() < 0.6 else f"{local}{brand()}{SHOPS[int(rnd() * len(SHOPS))]}")
        elif kind == "government":
            if rnd() < 0.5:
                name = f"{local}{BUREAUS[int(rnd() * len(BUREAUS))]}"
            else:
                name = f"{local}人民政府{region.streets[int(rnd() * len(region.streets))]}街道办事处"
        elif kind == "public_institution":
            template = PUBLIC_INSTITUTIONS[int(rnd() * len(PUBLIC_INSTITUTIONS))]
            name = local + template.format(n=CN_NUMBERS[int(rnd() * len(CN_NUMBERS))],
                                           s=region.streets[int(rnd() * len(region.streets))])
        else:
            template, authority = SOCIAL_ORGS[int(rnd() * len(SOCIAL_ORGS))]
            name = template.format(c=city, d=local, b=brand(), i=TRADES[int(rnd() * len(TRADES))])

        # Dates: registered and cancelled employers are older; applicants are recent.
        if status in ("registered", "cancelled"):
            span = (today - timedelta(days=60) - founding_floor).days
            established = founding_floor + timedelta(days=int(rnd() * span))
            registered_on = established + timedelta(days=3 + int(rnd() * 40))
            registered_on = min(registered_on, today)
        elif status == "pending":
            established = today - timedelta(days=10 + int(rnd() * 35))
            registered_on = None
        else:  # unregistered: mostly within the 30-day window, some already overdue
            established = today - timedelta(days=1 + int(rnd() * 60))
            registered_on = None

        # USCC: authority + type, division code, organisation code (GB 11714), check (GB 32100).
        if authority in ("91", "92") and established.year >= 2016:
            body = "MA" + _base31(modern(i), 6)
        else:
            body = f"{legacy(i):08d}"
        first17 = f"{authority}{region.code}{body}{_org_code_check(body)}"
        uscc = first17 + uscc_check_character(first17)

        # The agency's format (employers/services/registrations.py): region, year of registration, 6-digit sequence.
        registration_number = f"{region.code}{registered_on.year}{i + 1:06d}" if registered_on else ""
        if kind in ("government", "public_institution"):
            risk_class = "1"
        else:
            risk_class = str(bisect(risk_cum, rnd() * risk_cum[-1]) + 1)
        risk_float = RISK_FLOATS[bisect(float_cum, rnd() * float_cum[-1])]
        contact_phone = f"{region.phone_area}-{6 + int(rnd() * 3)}{int(rnd() * 10 ** 7):07d}"
        contact_email = f"hr{i + 1}@{EMAIL_DOMAINS[int(rnd() * len(EMAIL_DOMAINS))]}" if rnd() < 0.7 else ""
        address = (f"{region.place}{region.roads[int(rnd() * len(region.roads))]}{1 + int(rnd() * 1500)}号"
                   + (f"{2 + int(rnd() * 30)}楼" if rnd() < 0.5 else ""))
        yield (uscc, "", name, kind, str(region_ids[region.code]), established.isoformat(), status,
               registration_number, registered_on.isoformat() if registered_on else None, risk_class,
               risk_float, person_name(), contact_phone, contact_email, address, created)


# --------------------------------------------------------------------------------------------
# Insured persons: the hot path (a million rows in the benchmark), so tables are precomputed
# and each row costs a few random() calls, lookups and one tuple.
# --------------------------------------------------------------------------------------------

class PersonSlots:
    """The (birth date, sequence) pairs available on `today`, and the counter -> pair permutation."""

    SEQUENCES = 999  # 001..999

    def __init__(self, today: date, seed: int):
        self.earliest, self.latest = birth_date_range(today)
        self.days = (self.latest - self.earliest).days + 1
        self.capacity = self.days * self.SEQUENCES
        self.permutation = _Permutation(self.capacity, random.Random(f"{seed}:slots"))

    def slot(self, i: int) -> tuple[date, int]:
        s = self.permutation(i)
        return self.earliest + timedelta(days=s // self.SEQUENCES), s % self.SEQUENCES + 1


def _partial_check_sums(texts, offset: int) -> list[int]:
    """Weighted digit sums of fixed-position fragments of the 17-digit ID body."""
    weights = RESIDENT_ID_WEIGHTS[offset:]
    return [sum(int(ch) * w for ch, w in zip(text, weights, strict=False)) for text in texts]


def person_rows(count: int, *, seed: int, region_ids: dict[str, int], today: date, created_at: datetime,
                start: int = 0):
    """`count` person rows; `start` is the counter of the first (the number of persons already seeded).

    Row 0 (start == 0) is insured in the first demo region (the demo person's login).
    """
    slots = PersonSlots(today, seed)
    if start + count > slots.capacity:
        raise ValueError(f"At most {slots.capacity} persons can be generated for one day.")
    rng = _rng(seed, "persons", start)
    rnd = rng.random
    a, b, n = slots.permutation.a, slots.permutation.b, slots.capacity
    seqs = slots.SEQUENCES

    # Precomputed per birth day / sequence / region code: text and weighted digit sums.
    day_dates = [slots.earliest + timedelta(days=k) for k in range(slots.days)]
    day_compact = [d.strftime("%Y%m%d") for d in day_dates]
    day_iso = [d.isoformat() for d in day_dates]
    day_sum = _partial_check_sums(day_compact, 6)
    seq_text = [f"{s:03d}" for s in range(seqs + 1)]
    seq_sum = _partial_check_sums(seq_text, 14)
    check_chars = RESIDENT_ID_CHECK

    regions = DEMO_REGIONS
    region_cum = _cum(r.weight for r in regions)
    region_total = region_cum[-1]
    region_id_text = [str(region_ids[r.code]) for r in regions]
    region_codes = [r.code for r in regions]
    region_sums = _partial_check_sums(region_codes, 0)
    origin_codes = list(ORIGIN_CODES)
    origin_sums = _partial_check_sums(origin_codes, 0)
    n_origin = len(origin_codes)
    surnames = [s for s, _ in SURNAMES]
    surname_cum = _cum(w for _, w in SURNAMES)
    surname_total = surname_cum[-1]
    male = GIVEN_MALE + GIVEN_NEUTRAL
    female = GIVEN_FEMALE + GIVEN_NEUTRAL
    n_male, n_female = len(male), len(female)
    # Postal addresses: per region, the place, its roads and the local style (Shanghai numbers lanes, 弄).
    places = [r.place for r in regions]
    roads = [r.roads for r in regions]
    lanes = [r.province == "上海市" for r in regions]
    # Letters carry the postal code first (the print shop sorts by it); one per road of the region.
    postcodes = [POSTCODE_PREFIX.get(r.code, "1000") for r in regions]
    mobile = MOBILE_PREFIXES
    n_mobile = len(mobile)
    domains = EMAIL_DOMAINS
    created = timestamp_text(created_at)
    letters = "abcdefghijkmnopqrstuvwxyz"

    for i in range(start, start + count):
        s = (a * i + b) % n
        day, seq = divmod(s, seqs)
        seq += 1
        r = 0 if i == 0 else bisect(region_cum, rnd() * region_total)
        if rnd() < LOCAL_SHARE:
            origin, origin_sum = region_codes[r], region_sums[r]
            hukou_type = "urban" if rnd() < 0.92 else "rural"
        else:
            o = int(rnd() * n_origin)
            origin, origin_sum = origin_codes[o], origin_sums[o]
            hukou_type = "rural" if rnd() < 0.55 else "urban"
        number = (origin + day_compact[day] + seq_text[seq]
                  + check_chars[(origin_sum + day_sum[day] + seq_sum[seq]) % 11])
        surname = surnames[bisect(surname_cum, rnd() * surname_total)]
        if seq & 1:
            sex, original_age = "M", "men_60"
            given = male[int(rnd() * n_male)]
            if rnd() < 0.75:
                given += male[int(rnd() * n_male)]
        else:
            sex = "F"
            given = female[int(rnd() * n_female)]
            if rnd() < 0.75:
                given += female[int(rnd() * n_female)]
            # Women in worker posts (original age 50) outnumber those in cadre posts (55).
            original_age = "women_55" if s % 3 == 0 else "women_50"
        x = rnd()
        phone = f"{mobile[int(x * n_mobile)]}{int(rnd() * 100000000):08d}" if x < 0.8 else ""
        y = rnd()
        email = f"{letters[int(y * 100) % 25]}{letters[int(y * 10000) % 25]}{i + 1}@{domains[i & 3]}" \
            if y < 0.35 else ""
        z = rnd()
        if z < 0.15:  # statements by post need an address
            road_no = int(z * 1000) % len(roads[r])
            road = roads[r][road_no]
            postcode = f"{postcodes[r]}{road_no * 11 % 100:02d}"
            room = 101 + int(rnd() * 25) * 100 + int(rnd() * 4)
            if lanes[r]:
                address = f"{postcode} {places[r]}{road}{1 + int(rnd() * 999)}弄{1 + int(rnd() * 40)}号{room}室"
            else:
                address = f"{postcode} {places[r]}{road}{1 + int(rnd() * 999)}号{1 + int(rnd() * 20)}栋{room}室"
            delivery = "post"
        else:
            address = ""
            delivery = "email" if email and z < 0.6 else "online"
        yield ("resident_id", number, surname + given, sex, day_iso[day], "CHN", region_id_text[r], origin,
               hukou_type, phone, email, address, delivery, created, original_age)


def person_document_numbers(count: int, *, seed: int, today: date, start: int = 0) -> list[str]:
    """The document numbers person_rows() would give (for tests and the lookup benchmark)."""
    ids = {r.code: k for k, r in enumerate(DEMO_REGIONS)}
    rows = person_rows(count, seed=seed, region_ids=ids, today=today, created_at=datetime(2000, 1, 1),
                       start=start)
    return [row[PERSON_DOCUMENT_INDEX] for row in rows]


def check_resident_id(number: str) -> bool:
    return resident_id_check_character(number[:17]) == number[17]


# --------------------------------------------------------------------------------------------
# Output: COPY text lines and CSV files
# --------------------------------------------------------------------------------------------

def copy_text(rows, chunk_rows: int = 5000):
    """Rows as chunks of PostgreSQL COPY text format (tab-separated, \\N for NULL).

    Generated values never contain tabs, newlines or backslashes, so nothing needs escaping.
    """
    buf: list[str] = []
    append = buf.append
    join = "\t".join
    for row in rows:
        if None in row:
            row = tuple("\\N" if v is None else v for v in row)
        append(join(row))
        if len(buf) >= chunk_rows:
            append("")
            yield "\n".join(buf)
            buf.clear()
    if buf:
        append("")
        yield "\n".join(buf)


def _csv_field(value: str | None) -> str:
    if value is None:
        return ""  # unquoted empty: NULL
    if value == "" or any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'  # quoted: an empty string stays an empty string
    return value


def write_csv(path, columns, rows) -> int:
    """Write rows as CSV with a header, for COPY ... (FORMAT csv, HEADER true).

    csv.writer writes None and "" alike; COPY needs them told apart (NULL vs empty string).
    """
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(",".join(columns) + "\n")
        for row in rows:
            fh.write(",".join(map(_csv_field, row)) + "\n")
            n += 1
    return n
