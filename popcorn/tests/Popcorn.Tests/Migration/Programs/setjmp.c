/* setjmp and longjmp on both nodes: out of a deep recursion with doubles, a parser's error exits through a jmp_buf
   inside a local struct, longjmp with 0, migrations between the jumps; then a longjmp to a buffer filled on the
   other node, which stops the program with a message. */
#include <popcorn.h>
#include <setjmp.h>
#include <stdio.h>

static int hops;

static void hop(void)
{
    if (migrate(current_nid() == 0 ? 1 : 0, 0, 0) == 0)
        hops++;
}

static double unwind(int n, double acc, jmp_buf *env)
{
    if (n == 0)
        longjmp(*env, (int)acc);
    return unwind(n - 1, acc + n * 0.5, env) + 1;
}

struct parser {
    const char *p;
    jmp_buf fail;
};

static long expr(struct parser *ps);

static long atom(struct parser *ps)
{
    if (*ps->p == '(') {
        ps->p++;
        long v = expr(ps);
        if (*ps->p++ != ')')
            longjmp(ps->fail, 2);
        return v;
    }
    if (*ps->p < '0' || *ps->p > '9')
        longjmp(ps->fail, 1);
    long v = 0;
    while (*ps->p >= '0' && *ps->p <= '9')
        v = v * 10 + (*ps->p++ - '0');
    return v;
}

static long term(struct parser *ps)
{
    long v = atom(ps);
    while (*ps->p == '*') {
        ps->p++;
        v *= atom(ps);
    }
    return v;
}

static long expr(struct parser *ps)
{
    long v = term(ps);
    while (*ps->p == '+' || *ps->p == '-') {
        char op = *ps->p++;
        long w = term(ps);
        v = op == '+' ? v + w : v - w;
    }
    return v;
}

static void parse(const char *text)
{
    struct parser ps = {text};
    int code = setjmp(ps.fail);
    if (code) {
        printf("%s: error %d at %ld\n", text, code, (long)(ps.p - text));
        return;
    }
    printf("%s = %ld\n", text, expr(&ps));
}

int main(void)
{
    jmp_buf env;
    volatile int rounds = 0;
    volatile double kept = 1.25;
    hop();
    int r = setjmp(env);
    rounds++;
    kept *= 2;
    if (r == 0)
        unwind(200, 0.0, &env);
    printf("longjmp %d rounds %d kept %g\n", r, rounds, kept);
    hop();
    if (setjmp(env) == 0)
        longjmp(env, 0);
    printf("zero arrives as 1\n");
    parse("2+3*(4-1)");
    parse("2+*3");
    hop();
    parse("(1+2");
    parse("10-2-3");
    if (setjmp(env) == 0) {
        hop();
        printf("hops %d\n", hops);
        fflush(stdout);
        longjmp(env, 1);
    }
    printf("not reached\n");
    return 0;
}
