"""What the approvals admin modules share."""


class ApprovalsMedia:
    css = {"all": ["policyops/admin.css", "approvals/approvals.css"]}


def selected_action_inputs(action, pk):
    """Hidden inputs that open a changelist action's intermediate page for one object."""
    return [("action", action), ("_selected_action", str(pk))]
