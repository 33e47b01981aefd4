"""The periodic tasks (django-celery-beat), installed by a migration and editable in the admin.

Every sweep is state-based and idempotent, so running one more often than needed, or
late, sends nothing twice.
"""

# name -> (task, kind, spec): kind "every" = minutes; "daily" = "HH:MM" Asia/Shanghai.
SCHEDULES = {
    "发送待发通知": ("policyops.tasks.deliver_notifications", "every", 1),
    "审计记录封链": ("policyops.tasks.seal_audit_chain", "every", 1),  # policyops.audit.seal_audit
    "政策任务到期提醒": ("policyops.tasks.sweep_policy_tasks", "daily", "08:00"),
    "审批案件时限提醒与督办": ("approvals.tasks.sweep_case_deadlines", "daily", "08:00"),
    "委托协议到期提醒": ("approvals.tasks.sweep_entrustments", "daily", "08:10"),
    "农村公路节点提醒": ("programs.roads.tasks.sweep_milestones", "daily", "08:20"),
    "农村公路阶段风险提醒": ("programs.roads.tasks.sweep_phase_risk", "daily", "08:30"),
    "值班提醒与未签到督办": ("programs.halls.tasks.sweep_shifts", "every", 5),
    "值班时段结束处理": ("programs.halls.tasks.close_shift_windows", "every", 10),
    "每月值班天数提醒": ("programs.halls.tasks.sweep_monthly_quota", "daily", "09:00"),
    "月度简报生成": ("programs.halls.tasks.sweep_briefing", "daily", "07:00"),
    "登录日志清理": ("policyops.tasks.prune_login_logs", "daily", "03:00"),  # policyops.login_logs
    "过期会话清理": ("policyops.tasks.clear_expired_sessions", "daily", "03:10"),  # policyops.sessions
    "后台导出文件清理": ("policyops.tasks.purge_background_exports", "daily", "03:20"),  # policyops.background_exports
    "项目清单暂存清理": ("programs.roads.tasks.purge_waiting_lists", "daily", "03:25"),  # programs.roads.import_store
}


def install(apps, schema_editor=None):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, (task, kind, spec) in SCHEDULES.items():
        schedule = {}
        if kind == "every":
            schedule["interval"], _ = IntervalSchedule.objects.get_or_create(every=spec, period="minutes")
            schedule["crontab"] = None
        else:
            hour, minute = spec.split(":")
            schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=str(int(minute)), hour=str(int(hour)), day_of_week="*", day_of_month="*",
                month_of_year="*", timezone="Asia/Shanghai")
            schedule["interval"] = None
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "enabled": True, **schedule})


def uninstall(apps, schema_editor=None):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()
