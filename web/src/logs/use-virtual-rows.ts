import type { Ref } from 'vue';
import { computed, onBeforeUnmount, onMounted, ref } from 'vue';
import type { RowWindow } from './visible-rows';
import { visibleRows } from './visible-rows';

/**
 * The rows of a fixed-height list that its scroll box shows, kept current as the box scrolls
 * or changes size. Only these rows go into the DOM, so a 100,000-line log costs the same to
 * draw as a 50-line one.
 */
export function useVirtualRows(box: Ref<HTMLElement | null>, count: () => number, rowHeight: number, overscan: number) {
  const scrollTop = ref(0);
  const viewportHeight = ref(0);
  const window = computed<RowWindow>(() => visibleRows(scrollTop.value, viewportHeight.value, rowHeight, count(), overscan));

  const measure = () => {
    if (!box.value) return;
    scrollTop.value = box.value.scrollTop;
    viewportHeight.value = box.value.clientHeight;
  };
  let resizes: ResizeObserver | undefined;
  onMounted(() => {
    measure();
    resizes = new ResizeObserver(measure);
    if (box.value) resizes.observe(box.value);
  });
  onBeforeUnmount(() => resizes?.disconnect());

  /** Scrolls the box (and the drawn window at once, not a frame later) to `top`. */
  const scrollTo = (top: number) => {
    if (!box.value) return;
    box.value.scrollTop = top;
    measure();
  };
  return { window, viewportHeight, measure, scrollTo };
}
