'use strict';
// Below 1366 px Django's navigation, open until the user closes it, left a change list 200–600 px
// beside its filters (768 px: headings a character a line; 1280 px: the case list's due state out of
// sight). Where the user has not chosen yet, it starts closed there; its toggle (») opens it, and
// Django's nav_sidebar.js keeps that choice under the same key as before. Runs in the head, before
// that deferred script reads the key.
try {
    if (localStorage.getItem('django.admin.navSidebarIsOpen') === null &&
            window.matchMedia('(max-width: 1365px)').matches) {
        localStorage.setItem('django.admin.navSidebarIsOpen', 'false');
    }
} catch (storageRefused) {
    // Storage off (a private window's policy): Django's default, the navigation open, stands.
}
