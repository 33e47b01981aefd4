"""Demo part of hall duty: hall settings, ~25 synthetic directors, two months of rota.

Register it with ``policyops.demo.register(build_halls_demo)``. Opening hours for the
seeded city and district halls; synthetic directors (names marked 演示) in A/B pairs of
the seeded departments; the demo user ``director_edu`` on duty in the city hall; last
month's and this month's rotas generated and published through the services; past shifts
signed in and out with the real hall codes, some substituted, missed or left without
signing out; evaluations, follow-ups (some answered) and work records. The training hall
(培训大厅（演示）, ``programs.halls.training``) lets any director try the kiosk, sign-in and
sign-out at any hour; its shifts count nowhere. Running it twice changes nothing.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from policyops.demo import DEMO_SOURCE
from policyops.errors import PolicyOpsError
from policyops.models import Department, Person, ServiceHall
from policyops.months import previous_month
from policyops.roles import Role, group_for
from programs.halls import codes, services
from programs.halls.models import Director, DutyShift, HallSettings, Problem, Unavailability

MARK = "（演示）"
TRAINING_HALL_NAME = f"培训大厅{MARK}"
TRAINING_DAYS = 7  # shifts made ahead by the demo; the sign-in service makes any later day's on demand
CITY_HALL_NAME = "市审批服务大厅"
OPENS, CLOSES, CAPACITY = dt.time(9, 0), dt.time(17, 0), 3
# (hall: city hall or the district hall of this district, departments with an A/B pair there)
PLACEMENTS = [(None, 7), ("平度市", 3), ("莱西市", 3)]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "海涛", "立军", "秀英", "志刚", "红梅", "晓东", "文静", "国栋", "丽华", "春生", "明远", "玉兰",
         "宏伟", "淑珍", "永强"]
LEVEL_WEIGHTS = [(5, 50), (4, 25), (3, 12), (2, 8), (1, 5)]
LOW_COMMENTS = ["排队等候时间较长", "窗口解释不够清楚", "材料要求前后不一致"]
PROBLEMS = [("部分事项申请材料清单与网上公布不一致", "统一线上线下材料清单，三日内完成核对"),
            ("午间窗口人手不足，群众等候时间长", "实行午间弹性排班，增开综合窗口"),
            ("自助终端打印故障无人及时处理", "明确设备维护责任人，建立故障报修台账")]
OPINIONS = ["群众反映导办服务热情，建议增加周末预约服务", "企业希望进一步压减证明材料", "建议在大厅增设政策咨询专区"]


def _months(today: dt.date):
    this, last = today.replace(day=1), previous_month(today)
    return [(last.year, last.month), (this.year, this.month)]


def _unique_names(rng, count):
    names = []
    while len(names) < count:
        name = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{MARK}"
        if name not in names and not Person.objects.filter(name=name).exists():
            names.append(name)
    return names


def _demo_director(index, name, department, hall):
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=f"demo_director_{index:02d}",
                                                defaults={"first_name": name, "is_staff": False})
    if _created:
        user.set_unusable_password()  # signs in only in the demo script, through the services
        user.save()
    user.groups.add(group_for(Role.DIRECTOR))
    person, _created = Person.objects.update_or_create(user=user, defaults={
        "name": name, "department": department, "district": hall.district, "title": f"副局长{MARK}"})
    return Director.objects.get_or_create(person=person, defaults={"hall": hall})[0]


def _pair(a, b):
    a.partner, b.partner = b, a
    a.save(update_fields=["partner"])
    b.save(update_fields=["partner"])


def _build_directors(rng, users, halls_by_district, city_hall):
    departments = list(Department.objects.filter(kind__in=[Department.Kind.AGENCY, Department.Kind.RESPONSIBLE_UNIT])
                       .exclude(source=DEMO_SOURCE).exclude(name="市教育局").order_by("name"))
    rng.shuffle(departments)
    wanted = sum(n for _h, n in PLACEMENTS) * 2 - 1  # 市教育局's partner of director_edu counts as one
    names = iter(_unique_names(rng, wanted))
    index = 0
    directors = []
    # The demo user director_edu (陈志强, 市教育局) serves in the city hall with a partner of 市教育局.
    edu_person = Person.objects.get(user=users["director_edu"])
    edu = Director.objects.get_or_create(person=edu_person, defaults={"hall": city_hall})[0]
    index += 1
    edu_partner = _demo_director(index, next(names), edu_person.department, city_hall)
    _pair(edu, edu_partner)
    directors += [edu, edu_partner]
    for district_name, pairs in PLACEMENTS:
        hall = city_hall if district_name is None else halls_by_district.get(district_name)
        if hall is None:
            continue
        for _p in range(pairs - (1 if district_name is None else 0)):
            department = departments.pop()
            pair = []
            for _m in range(2):
                index += 1
                pair.append(_demo_director(index, next(names), department, hall))
            _pair(*pair)
            directors += pair
    return directors


def _add_unavailable_dates(rng, directors, today):
    from programs.halls.generator import working_days_of_month

    days = working_days_of_month(today.year, today.month)
    for director in rng.sample(directors, k=min(3, len(directors))):
        for day in rng.sample(days, k=min(2, len(days))):
            Unavailability.objects.get_or_create(director=director, date=day,
                                                 defaults={"reason": f"参加全市专题会议{MARK}"})


def _at(day, time, minutes=0):
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone()) + dt.timedelta(minutes=minutes)


def _sign(shift, user, action, when):
    code = codes.current_code(shift.hall.duty_settings.code_secret, when)[0]
    return services.shift_sign(user=user, hall=shift.hall, code=code, action=action, now=when)


def _weighted_level(rng):
    roll, total = rng.randint(1, 100), 0
    for level, weight in LEVEL_WEIGHTS:
        total += weight
        if roll <= total:
            return level
    return 5


class _Day:
    """Plays one past shift: who comes, when they sign, what the public says."""

    def __init__(self, rng, supervisor, cases, now):
        self.rng, self.supervisor, self.cases, self.now = rng, supervisor, cases, now
        self.counts = {"signed": 0, "substituted": 0, "missed": 0, "no_sign_out": 0, "evaluations": 0}

    def play(self, shift, busy_days):
        rng = self.rng
        roll = rng.random()
        director = shift.director
        partner = director.partner
        if roll < 0.08:
            self.counts["missed"] += 1  # nobody comes; the window sweep marks it missed
            return
        if (roll < 0.18 and partner is not None and partner.person.user_id
                and (partner.pk, shift.date) not in busy_days):
            eve = _at(shift.date, OPENS) - dt.timedelta(hours=20)
            services.shift_file_substitution(shift=shift, substitute=partner, reason=f"参加上级部门业务培训{MARK}",
                                             acting_user=director.person.user, now=eve)
            self.counts["substituted"] += 1
        user = shift.on_duty.person.user
        late = rng.choice([0, 1, 2, 3, 5, 8, 10, 12, 20, 35])
        signed_in = _at(shift.date, OPENS, late) + dt.timedelta(seconds=rng.randint(0, 50))
        shift = _sign(shift, user, "sign_in", signed_in)  # the service's copy, signed in
        self.counts["signed"] += 1
        self._evaluate(shift, signed_in)
        if rng.random() < 0.5:
            self._record(shift)
        if rng.random() < 0.1:
            self.counts["no_sign_out"] += 1
            return
        _sign(shift, user, "sign_out", _at(shift.date, CLOSES, -rng.randint(1, 25)))

    def _evaluate(self, shift, signed_in):
        rng = self.rng
        for i in range(rng.randint(0, 4)):
            level = _weighted_level(rng)
            comment = f"{rng.choice(LOW_COMMENTS)}{MARK}" if level <= 2 else ""
            when = signed_in + dt.timedelta(minutes=30 + 40 * i + rng.randint(0, 30))
            evaluation = services.evaluation_submit(hall=shift.hall, level=level, comment=comment,
                                                    device=f"demo-device-{shift.pk}-{i}", now=when,
                                                    shift_id=shift.pk)
            self.counts["evaluations"] += 1
            follow_up = getattr(evaluation, "follow_up", None) if level <= 2 else None
            if follow_up is not None and rng.random() < 0.6:
                services.follow_up_answer(follow_up=follow_up, answer=f"已约谈窗口负责人并整改，已回访群众{MARK}",
                                          acting_user=self.supervisor, now=min(when + dt.timedelta(days=1), self.now))

    def _record(self, shift):
        """The work record through its service: only cases received at the hall that day are attached."""
        rng = self.rng
        received_here = [c for c in self.cases if c.received_hall_id == shift.hall_id and c.received_on == shift.date
                         and c.is_open]
        record = services.work_record_save(shift=shift, acting_user=shift.on_duty.person.user,
                                           cases=received_here[:2], opinions=f"{rng.choice(OPINIONS)}{MARK}")
        for description, proposal in rng.sample(PROBLEMS, k=rng.randint(0, 2)):
            problem = Problem.objects.create(record=record, description=f"{description}{MARK}", proposal=proposal)
            for step in rng.choice([(), ("start_rectification",), ("start_rectification", "mark_rectified")]):
                services.problem_follow_up(problem=problem, action=step, acting_user=self.supervisor, as_of=self.now)


def build_halls_demo(rng, users, log, today: dt.date | None = None) -> None:
    """``today`` (default: the real date) fixes the months and which shifts are already past."""
    now = timezone.now() if today is None else _at(today, dt.time(12))
    today = timezone.localtime(now).date()
    built = Director.objects.filter(person__name__endswith=MARK).exists()
    if not built:
        _build_duty(rng, users, log, now, today)
    _build_training(log, today)  # every run: the practice week moves with today
    if built:
        log("Halls: demo directors exist already; hall duty demo skipped.")


def _build_training(log, today: dt.date) -> None:
    """The training hall: a week of all-day practice shifts for every demo director (more on demand)."""
    from programs.halls import training

    if not Director.objects.filter(active=True).exists():
        return
    hall = training.hall_set_up(name=TRAINING_HALL_NAME, source=DEMO_SOURCE)
    directors = Director.objects.filter(active=True, person__user__isnull=False)
    new = training.shifts_ensure(hall=hall, directors=directors,
                                 days=[today + dt.timedelta(days=n) for n in range(TRAINING_DAYS)])
    log(f"Halls: training hall {hall.name}: {new} practice shifts added (all day, every day; counted nowhere). "
        f"Its screen: /halls/kiosk/{codes.kiosk_token(hall.duty_settings)}/")


def _build_duty(rng, users, log, now, today) -> None:
    halls = list(ServiceHall.objects.filter(kind__in=[ServiceHall.Kind.CITY_HALL, ServiceHall.Kind.DISTRICT_HALL])
                 .exclude(source=DEMO_SOURCE).filter(is_training=False).select_related("district"))
    city_hall = next((h for h in halls if h.name == CITY_HALL_NAME), None) or next(
        (h for h in halls if h.kind == ServiceHall.Kind.CITY_HALL), None)
    if city_hall is None:
        log("Halls: the service halls are not loaded (run load_seeds); hall duty demo skipped.")
        return
    supervisor = users["supervisor"]
    with transaction.atomic():
        for hall in halls:
            HallSettings.objects.get_or_create(hall=hall, defaults={"opens_at": OPENS, "closes_at": CLOSES,
                                                                    "daily_capacity": CAPACITY})
        halls_by_district = {h.district.name: h for h in halls if h.district_id}
        directors = _build_directors(rng, users, halls_by_district, city_hall)
        _add_unavailable_dates(rng, [d for d in directors if d.person.user_id != users["director_edu"].pk], today)
        rota_halls = sorted({d.hall for d in directors}, key=lambda h: h.pk)
        published = 0
        for year, month in _months(today):
            for hall in rota_halls:
                try:
                    services.rota_generate(hall=hall, year=year, month=month, acting_user=supervisor)
                    published += services.rota_publish(hall=hall, year=year, month=month, acting_user=supervisor)
                except PolicyOpsError as exc:
                    log(f"Halls: {hall} {year}-{month:02d}: {exc}")
        from approvals.models import ApprovalCase

        cases = list(ApprovalCase.objects.order_by("id")[:40])
        day = _Day(rng, supervisor, cases, now)
        past = list(DutyShift.objects.filter(hall__in=rota_halls, date__lt=today, state=DutyShift.State.PUBLISHED)
                    .select_related("hall__duty_settings", "director__person__user", "director__partner__person")
                    .order_by("date", "id"))
        busy_days = set(DutyShift.objects.filter(hall__in=rota_halls).values_list("director_id", "date"))
        for shift in past:
            day.play(shift, busy_days)
        closed = services.shifts_close_windows(now=now)
        # One A/B substitution filed for an upcoming shift: in force at once; the supervisors see it (002:1978).
        upcoming = (DutyShift.objects.filter(hall__in=rota_halls, starts_at__gt=now + dt.timedelta(days=1),
                                             state=DutyShift.State.PUBLISHED, director__partner__isnull=False)
                    .select_related("director__person__user", "director__partner").order_by("date", "id").first())
        if upcoming is not None and upcoming.director.person.user_id:
            services.shift_file_substitution(shift=upcoming, substitute=upcoming.director.partner,
                                             reason=f"赴省里参加专题会议{MARK}",
                                             acting_user=upcoming.director.person.user, now=now)
    log(f"Halls: {len(directors)} directors, {published} shifts published; past shifts "
        f"{day.counts['signed']} signed in ({day.counts['substituted']} A/B), {closed['missed']} missed, "
        f"{day.counts['evaluations']} evaluations.")
