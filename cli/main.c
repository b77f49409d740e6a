/* main.c - the `cohort` command: dispatch to subcommands, git style. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {&cli_describe, &cli_table, &cli_km, &cli_cox,
                                              &cli_plot,     &cli_run,   &cli_check};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cohort [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "Cohort turns patient-level clinical data into a survival study.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s  %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "  %-10s  %s\n", "help", "show the help of a command");
    fprintf(out, "\n'cohort help COMMAND' shows a command's options.  Exit codes:\n"
                 "0 success, 1 unusable data, 2 bad command line, 3 file error,\n"
                 "4 out of memory, 70 internal error (docs/cli.md).\n");
}

static int help(const char *name)
{
    const cli_command *c = find(name);
    if (c == NULL) {
        fprintf(stderr, "cohort: no command '%s' (see 'cohort --help')\n", name);
        return EXIT_USAGE;
    }
    return cli_help(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("cohort %s\n", coh_version());
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        /* "cohort help plot km": the figure's own help */
        if (argc >= 4 && strcmp(argv[2], "plot") == 0) {
            char *sub[] = {argv[2], argv[3], (char *)"--help", NULL};
            return cli_plot.run(3, sub);
        }
        return help(argv[2]);
    }
    const cli_command *c = find(cmd);
    if (c == NULL) {
        fprintf(stderr, "cohort: '%s' is not a command (see 'cohort --help')\n", cmd);
        return EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
