from cragcat.cli import main

main()
