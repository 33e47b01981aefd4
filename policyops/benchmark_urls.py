"""The site's URLs plus the plain counterparts, served only while ``benchmark`` runs."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.utils.module_loading import autodiscover_modules

from policyops.benchmarking import plain_admin_site, plain_urlpatterns
from policyops.urls import urlpatterns as site_urlpatterns

autodiscover_modules("benchmarks")  # the apps register their plain admins


@login_required
def trivial(request):
    """The least a logged-in request costs here: session, user, middleware, nothing else."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("plain-admin/", plain_admin_site.urls), path("benchmark/trivial/", trivial),
               *plain_urlpatterns, *site_urlpatterns]
