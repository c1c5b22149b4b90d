/* heap_fixture.h -- what the heap tests share: a block source that counts what it has out (so
 * teardown proves every block came back), one heap, and its setup and teardown. Include after
 * <cmocka.h> and the mm/ headers. */
#ifndef TESTS_HOST_HEAP_FIXTURE_H
#define TESTS_HOST_HEAP_FIXTURE_H

#include <stdlib.h>

struct source {
	size_t budget;		/* bytes it may have out at once */
	size_t out;		/* bytes out now */
	unsigned blocks;	/* blocks out now */
};

static void *src_alloc(void *ctx, size_t size)
{
	struct source *s = ctx;
	void *p;

	assert_int_equal(size % HEAP_GROUP_SIZE, 0);
	if (s->out + size > s->budget)
		return NULL;
	p = aligned_alloc(HEAP_GROUP_SIZE, size);
	if (p == NULL)
		return NULL;
	s->out += size;
	s->blocks++;
	return p;
}

static void src_free(void *ctx, void *p, size_t size)
{
	struct source *s = ctx;

	assert_true(s->out >= size && s->blocks > 0);
	s->out -= size;
	s->blocks--;
	free(p);
}

static struct heap heap;
static struct source source;

/* goal_us: the pacer's pause goal (0: none, as the embedders' global mode); limit: the heap's
 * limit as the pacer knows it (heap_config.limit_bytes; 0: none) */
static struct heap *setup_limited(size_t nursery, size_t budget, unsigned goal_us, size_t limit)
{
	struct heap_config cfg = {
		.nursery_bytes = nursery,
		.pause_goal_us = goal_us,
		.limit_bytes = limit,
		.src = { src_alloc, src_free, &source },
		.cpu = 0,
	};

	source = (struct source){ .budget = budget };
	assert_int_equal(heap_init(&heap, &cfg), 0);
	heap.verify = true;
	return &heap;
}

static struct heap *setup_goal(size_t nursery, size_t budget, unsigned goal_us)
{
	return setup_limited(nursery, budget, goal_us, 0);
}

static struct heap *setup(size_t nursery, size_t budget)
{
	return setup_goal(nursery, budget, 0);
}

static void teardown(struct heap *h)
{
	assert_int_equal(gc_roots_depth(h), 0);
	assert_int_equal(gc_verify(h), 0);
	heap_destroy(h);
	assert_int_equal(source.out, 0);
	assert_int_equal(source.blocks, 0);
}

#endif
