"""Plausible demo people, without the database: names, ages, ID numbers, phones, tags.

Names mix common surnames of Taizhou with given names; ID numbers follow GB 11643 (region,
birth date, a sequence whose last digit is odd for men, a check digit) and are unique
within one factory; mobile numbers start 13x, 15x, 17x, 18x or 19x.
"""

import datetime
import random
from dataclasses import dataclass

from members import personal_data
from members.models import Resident

ID_REGION = "331081"  # Wenling: where the demo residents' ID numbers were issued
REFERENCE_DATE = datetime.date(2026, 1, 1)  # ages are counted to this day, not today
# Common surnames in Taizhou first; the weights fall with the rank.
SURNAMES = (
    "陈林王李张黄郭江叶蒋阮赵朱徐周吴金潘应梁颜郑杨胡孙毛何丁许罗沈梅邱卢洪蔡池苏余"
    "章陶戴程谢冯方柯管项符汪钟夏鲍缪"
)
MALE_CHARACTERS = "伟强军磊涛斌杰鹏辉明华建国平勇峰刚海波文俊志宏超浩宇晨皓轩博航林荣德福根"
FEMALE_CHARACTERS = "芳娟敏静丽艳霞燕玲红英琴梅兰秀华婷雪琳颖欣怡佳萱雨涵诗月娥素仙菊"
MOBILE_PREFIXES = [
    str(prefix) for prefix in [*range(130, 140), *range(150, 160), 177, *range(180, 190), 199]
]


@dataclass
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    phone: str
    tags: list[str]

    @property
    def age(self) -> int:
        return int((REFERENCE_DATE - self.birth_date).days / 365.25)


class PeopleFactory:
    """Plausible residents with valid, unique ID numbers (GB 11643), one run at a time."""

    def __init__(self) -> None:
        self.id_numbers: set[str] = set()

    def surname(self, rng: random.Random) -> str:
        weights = [1 / (rank + 4) for rank in range(len(SURNAMES))]
        return rng.choices(SURNAMES, weights=weights)[0]

    def given_name(self, rng: random.Random, gender: str) -> str:
        characters = MALE_CHARACTERS if gender == Resident.Gender.MALE else FEMALE_CHARACTERS
        return "".join(rng.choices(characters, k=1 if rng.random() < 0.3 else 2))

    def id_number(self, rng: random.Random, birth_date: datetime.date, gender: str) -> str:
        """Region, birth date, a sequence whose last digit is odd for men, a check digit."""
        sequence = rng.randrange(0, 1000, 2) + (1 if gender == Resident.Gender.MALE else 0)
        while True:
            first17 = f"{ID_REGION}{birth_date:%Y%m%d}{sequence:03d}"
            number = first17 + personal_data.id_number_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number
            sequence = (sequence + 2) % 1000

    def mobile(self, rng: random.Random) -> str:
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"

    def person(self, rng: random.Random, *, surname: str, gender: str, age: int) -> Person:
        birth_date = REFERENCE_DATE - datetime.timedelta(days=age * 365 + rng.randrange(365) + 1)
        phone = self.mobile(rng) if age >= 16 and rng.random() < 0.92 else ""
        return Person(
            name=surname + self.given_name(rng, gender),
            gender=gender,
            birth_date=birth_date,
            id_number=self.id_number(rng, birth_date, gender),
            phone=phone,
            tags=[],
        )

    def household(self, rng: random.Random, size: int) -> list[Person]:
        """A head, a spouse, then children (and, in old households, grandchildren)."""
        male, female = Resident.Gender.MALE, Resident.Gender.FEMALE
        head_gender = male if rng.random() < 0.8 else female
        if size == 1:
            age = rng.randint(70, 92) if rng.random() < 0.45 else rng.randint(24, 68)
            return [self.person(rng, surname=self.surname(rng), gender=head_gender, age=age)]
        head_age = rng.randint(28, 78)
        family = self.surname(rng)
        head = self.person(rng, surname=family, gender=head_gender, age=head_age)
        spouse_gender = female if head_gender == male else male
        spouse_age = max(20, head_age + rng.randint(-4, 4))
        people = [
            head,
            self.person(rng, surname=self.surname(rng), gender=spouse_gender, age=spouse_age),
        ]
        for position in range(2, size):
            generation_gap = rng.randint(48, 60) if head_age > 62 and position > 2 else None
            gap = generation_gap or rng.randint(22, 34)
            gender = rng.choice([male, female])
            people.append(
                self.person(rng, surname=family, gender=gender, age=max(0, head_age - gap))
            )
        return people


def key_groups_tag(rng: random.Random, people: list[Person], *, low_income: bool) -> None:
    """Key-group tags (重点人群) at rates of the order seen in a coastal town."""
    alone = len(people) == 1
    empty_nest = len(people) == 2 and all(p.age >= 60 for p in people)
    for position, person in enumerate(people):
        age, male = person.age, person.gender == Resident.Gender.MALE
        rules = [
            ("elderly-alone", alone and age >= 65),
            ("empty-nest-elderly", empty_nest),
            ("disabled", rng.random() < 0.02),
            ("left-behind-child", age < 16 and rng.random() < 0.1),
            ("low-income", low_income and position == 0),
            ("veteran", male and 40 <= age <= 80 and rng.random() < 0.04),
            ("severe-mental-illness", age >= 18 and rng.random() < 0.003),
            ("community-correction", 18 <= age <= 60 and rng.random() < 0.002),
        ]
        person.tags.extend(code for code, applies in rules if applies)


def household_sizes(rng: random.Random, households: int, residents: int) -> list[int]:
    """Sizes of at least one that add up to exactly ``residents``, a few larger and a few
    smaller than the mean."""
    base, extra = divmod(residents, households)
    sizes, largest = [base] * households, max(6, base + 2)
    for index in rng.sample(range(households), extra):
        sizes[index] += 1
    for _ in range(households):  # move people between households, keeping the total
        giver, taker = rng.randrange(households), rng.randrange(households)
        if sizes[giver] > 1 and sizes[taker] < largest:
            sizes[giver] -= 1
            sizes[taker] += 1
    return sizes
