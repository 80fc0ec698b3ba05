/* The C library beyond printf: the scanf family (strings, streams, standard input), %a and hexadecimal floats,
   fma and single-precision math, and code LLVM rewrites into calls the program never names (sin and cos of one
   value into sincos, sprintf(d, "%s", s) into stpcpy, memcmp(...) == 0 into bcmp). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record { char name[16]; int id; double weight; };

static int parse_record(const char *line, struct record *r)
{
    int used = 0;
    int n = sscanf(line, " %15[^,], %d , %lf%n", r->name, &r->id, &r->weight, &used);
    return n == 3 ? used : -n - 1;
}

static int same_record(const struct record *a, const struct record *b) { return memcmp(a, b, sizeof *a) == 0; }

static void scanning(void)
{
    const char *lines[] = {"alpha, 7, 2.5", "  beta,-12,1e3 tail", "gamma, x, 1", "delta", ""};
    for (int i = 0; i < 5; i++) {
        struct record r;
        memset(&r, 0, sizeof r);
        int used = parse_record(lines[i], &r);
        if (used >= 0)
            printf("record %s %d %g used %d\n", r.name, r.id, r.weight, used);
        else
            printf("record \"%s\": %d fields\n", lines[i], -used - 1);
    }
    int a, b, c;
    unsigned u;
    long long big;
    short s;
    char word[8], rest[16];
    printf("ints %d", sscanf("0x1f 017 -9 ff 123456789012 70000", "%i %i %d %x %lld %hd", &a, &b, &c, &u, &big, &s));
    printf(" %d %d %d %u %lld %d\n", a, b, c, u, big, s);
    printf("widths %d", sscanf("1234567 abcdefghij", "%3d%2d %7s%s", &a, &b, word, rest));
    printf(" %d %d %s %s\n", a, b, word, rest);
    float f;
    double d, e;
    printf("floats %d", sscanf("-1.5e-3 0x1.8p4 inf", "%f %lf %lf", &f, &d, &e));
    printf(" %g %g %g\n", f, d, e);
    printf("literal %d", sscanf("10% of 250", "%d%% of %d%n", &a, &b, &c));
    printf(" %d %d %d\n", a, b, c);
    char set[8] = "";
    printf("sets %d %d %d\n", sscanf("abc123", "%7[a-c]%d", set, &a), sscanf("", "%d", &a), sscanf("  x", "%d", &a));
    printf("set %s %d\n", set, a);
}

static void hexadecimal(void)
{
    const double values[] = {1.0, -0.1, 255.5, 4.9406564584124654e-324, 0.0, 1.0 / 3.0};
    for (int i = 0; i < 6; i++)
        printf("%a %.2A %12.0a|%-#10.1a|\n", values[i], values[i], values[i], values[i]);
    const char *texts[] = {"0x1.921fb54442d18p+1", "-0X.Cp-2", "0x10", "0x1.fffffffffffff8p0"};
    for (int i = 0; i < 4; i++) {
        char *end;
        double v = strtod(texts[i], &end);
        printf("%s = %.17g (%td)\n", texts[i], v, end - texts[i]);
    }
}

static void arithmetic(int n)
{
    volatile double x = 0.1 * n;
    printf("fma %.17g plain %.17g\n", fma(x, 10.0, -1.0), x * 10.0 - 1.0);
    printf("fmaf %.9g\n", (double)fmaf((float)x, 3.0f, -0.3f));
    double s = sin(x), c = cos(x);
    printf("sin %.15f cos %.15f sum %.15f\n", s, c, s * s + c * c);
    float xf = (float)(x * 7);
    printf("sinf %.6f cosf %.6f tanf %.6f\n", sinf(xf), cosf(xf), tanf(xf));
    printf("round %g %g %g %ld trunc %g\n", roundf(2.5f), roundf(-2.5f), rintf(2.5f), lroundf(-3.5f), truncf(-7.9f));
    printf("remainder %g %g fdim %g hypotf %g\n", remainder(7.0, 2.0), remainder(-5.5, 2.0), fdim(2.0, 5.0), hypotf(5.0f, 12.0f));
    printf("classify %d %d %d %d %d\n", fpclassify(0.0), fpclassify(1e-310), fpclassify(1.0), fpclassify(INFINITY), fpclassify(NAN));
}

static void strings(int n)
{
    char buf[32];
    const char *word = n > 100 ? "large" : "popcorn";
    int length = sprintf(buf, "%s", word);
    printf("sprintf %d %s\n", length, buf);
    char *end = stpcpy(stpcpy(buf, "multi"), "-isa");
    printf("stpcpy %s %td\n", buf, end - buf);
    struct record a = {"same", 1, 2.0}, b = a;
    printf("equal %d", same_record(&a, &b));
    b.id = n + 1;
    printf(" %d\n", same_record(&a, &b));
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    scanning();
    hexadecimal();
    arithmetic(n);
    strings(n);
    long total = 0;
    int count = 0, value;
    while (scanf("%d", &value) == 1) {
        total += value;
        count++;
    }
    printf("stdin %d numbers, total %ld, then %s\n", count, total, feof(stdin) ? "end of file" : "not a number");
    return 0;
}
