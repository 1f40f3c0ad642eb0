import { nextTick } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { resumeSession, session } from './auth/session';
import LoginPage from './pages/LoginPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown without signing in. */
    public?: boolean;
    title?: string;
  }
}

/**
 * Real addresses (`/runs/42`), not `#/runs/42`: the server answers any such address with the
 * app (its SPA fallback), so links can be shared and opened in a new tab. Pages other than
 * login load when first visited, keeping the first download small.
 */
export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/', redirect: '/projects' },
      { path: '/login', name: 'login', component: LoginPage, meta: { public: true, title: 'Sign in' } },
      { path: '/projects', name: 'projects', component: () => import('./pages/ProjectsPage.vue'), meta: { title: 'Projects' } },
      { path: '/projects/:project', name: 'project', component: () => import('./pages/ProjectRunsPage.vue'), props: true },
      { path: '/runs/:runId(\\d+)', name: 'run', component: () => import('./pages/RunPage.vue'), props: true },
      { path: '/runs/:runId(\\d+)/jobs/:jobKey', name: 'job', component: () => import('./pages/JobLogPage.vue'), props: true },
      { path: '/runners', name: 'runners', component: () => import('./pages/RunnersPage.vue'), meta: { title: 'Runners' } },
      { path: '/tokens', name: 'tokens', component: () => import('./pages/TokensPage.vue'), meta: { title: 'API tokens' } },
      // Admins only: others are not offered the link, and the server refuses them if they come anyway.
      { path: '/audit', name: 'audit', component: () => import('./pages/AuditPage.vue'), meta: { title: 'Audit log' } },
      { path: '/:unknown(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { public: true, title: 'Not found' } },
    ],
    scrollBehavior: (to, _from, saved) => saved ?? (to.hash ? { el: to.hash } : { top: 0 }),
  });

  const resumed = resumeSession();
  router.beforeEach(async (to) => {
    await resumed;
    if (!to.meta.public && !session.user) return { name: 'login', query: to.fullPath === '/projects' ? {} : { next: to.fullPath } };
    if (to.name === 'login' && session.user) return { path: '/projects' };
    return true;
  });

  let first = true;
  router.afterEach((to, from) => {
    const name = to.meta.title ?? (typeof to.params.jobKey === 'string' ? to.params.jobKey : typeof to.params.runId === 'string' ? `Run #${to.params.runId}` : typeof to.params.project === 'string' ? to.params.project : undefined);
    document.title = name ? `${name} · DeployLite` : 'DeployLite';
    // A new page moves the keyboard and the screen reader to its heading, as a page load
    // would; the first page keeps the browser's own start. A new #L12 in the log stays put.
    if (!first && to.path !== from.path) void nextTick(() => document.querySelector<HTMLElement>('main h1')?.focus());
    first = false;
  });
  return router;
}
