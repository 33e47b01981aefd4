def notifications(request):
    """The bell's unread count on every page (one capped COUNT query, only for logged-in users)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from policyops.notifications import unread_badge

    return {"unread_notifications": unread_badge(user)}


def menu(request):
    """The front menu: only the pages this user may open (policyops.workspaces)."""
    from policyops.workspaces import menu_for

    user = getattr(request, "user", None)
    return {"menu": menu_for(user) if user is not None else []}
