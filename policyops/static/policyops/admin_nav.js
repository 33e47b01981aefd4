'use strict';
// Below 1280 px Django's navigation, open until the user closes it, left a change list 200–450 px
// beside its filters (768–1024 px: headings a character a line). Where the user has not chosen yet,
// it starts closed there; its toggle (») opens it, and Django's nav_sidebar.js keeps that choice
// under the same key as before. Runs in the head, before that deferred script reads the key.
try {
    if (localStorage.getItem('django.admin.navSidebarIsOpen') === null &&
            window.matchMedia('(max-width: 1279px)').matches) {
        localStorage.setItem('django.admin.navSidebarIsOpen', 'false');
    }
} catch (storageRefused) {
    // Storage off (a private window's policy): Django's default, the navigation open, stands.
}
