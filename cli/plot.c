/* plot.c - `cohort plot FIGURE ...`: publication figures.  Each figure is
 * a command of its own (plot_km.c, plot_forest.c, plot_flow.c); this file
 * only dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *const figures[] = {&cli_plot_km, &cli_plot_forest, &cli_plot_flow};
#define N_FIGURES (sizeof figures / sizeof figures[0])

static int run(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1]))
        return cli_help(&cli_plot), argc < 2 ? EXIT_USAGE : EXIT_OK;
    for (size_t i = 0; i < N_FIGURES; i++)
        if (strcmp(argv[1], figures[i]->name) == 0)
            return figures[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "cohort plot: '%s' is not a figure: km, forest or flow\n"
                    "(see 'cohort help plot')\n", argv[1]);
    return EXIT_USAGE;
}

const cli_command cli_plot = {
    "plot", run, "figures: Kaplan-Meier with numbers at risk, forest plots, flow diagrams",
    "usage: cohort plot km|forest|flow ... --out FILE.svg|pdf|png\n"
    "\n"
    "  cohort plot km DATA --time COL --event COL [--group COL] --out km.png\n"
    "      Kaplan-Meier curves with a number-at-risk table under the x axis\n"
    "      (the data options and curve options of 'cohort km')\n"
    "  cohort plot forest DATA --time COL --event COL --terms A,B --out forest.pdf\n"
    "      hazard ratios of a Cox model (the options of 'cohort cox')\n"
    "  cohort plot flow STEPS.csv --out flow.svg\n"
    "      a STROBE/CONSORT flow diagram of cohort selection\n"
    "\n"
    "The format follows the file's extension; the numbers behind each figure\n"
    "are written as CSV beside it (FILE with .csv).  'cohort plot FIGURE\n"
    "--help' lists a figure's options.\n",
    false};
