import { type InfiniteData, useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import { errorMessage } from "../api/auth";

export interface Page<T> {
  data: T[];
  /** How many there are in all. */
  count: number;
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/**
 * A list the server sends a page at a time (skip, limit), as an infinite query named `name`:
 * each item once (by `keyOf`), however the pages overlap. It is loaded afresh whenever a page
 * shows it, and `failure` is the error when the server gives no reason.
 */
export function usePagedList<T>(
  name: string,
  fetchPage: (skip: number) => Promise<Page<T>>,
  keyOf: (item: T) => string,
  failure: string,
) {
  const queryClient = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: [name],
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: 0,
    getNextPageParam: (_last, pages) => pages.flatMap((page) => page.data).length,
    gcTime: 0,
  });

  const edit = useCallback(
    (change: (page: Page<T>, index: number) => Page<T>) => {
      queryClient.setQueryData<InfiniteData<Page<T>, number>>(
        [name],
        (data) => data && { ...data, pages: data.pages.map(change) },
      );
    },
    [queryClient, name],
  );

  const reload = useCallback(() => {
    queryClient.setQueryData<InfiniteData<Page<T>, number>>(
      [name],
      (data) => data && { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) },
    );
    void queryClient.refetchQueries({ queryKey: [name], exact: true });
  }, [queryClient, name]);

  const pages = query.data?.pages;
  const byKey = new Map(pages?.flatMap((page) => page.data).map((item) => [keyOf(item), item]));
  return {
    /** What is loaded so far, in the server's order; null until the first answer. */
    items: pages ? [...byKey.values()] : null,
    count: pages?.at(-1)?.count ?? 0,
    error: query.error ? errorMessage(query.error, failure) : null,
    loadingMore: query.isFetchingNextPage,
    /** Loads the first page again, in place of all that was loaded. */
    reload,
    /** Appends the next page. */
    loadMore: () => {
      void query.fetchNextPage();
    },
    /** Changes what was loaded, page by page, without asking the server. */
    edit,
  };
}
