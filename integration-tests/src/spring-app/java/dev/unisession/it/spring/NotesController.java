package dev.unisession.it.spring;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import java.security.Principal;

/** A protected page, the CSRF token for scripted clients, and a POST that redirects with a flash attribute. */
@Controller
public class NotesController {

    @GetMapping(value = "/home", produces = "text/plain")
    @ResponseBody
    public String home(Principal user) {
        return "home=" + user.getName();
    }

    @GetMapping(value = "/token", produces = "text/plain")
    @ResponseBody
    public String token(HttpServletRequest request) {
        return ((CsrfToken) request.getAttribute(CsrfToken.class.getName())).getToken();
    }

    /** A library class that no profile names (Spring's own, Serializable): still refused. */
    @GetMapping(value = "/library-value", produces = "text/plain")
    @ResponseBody
    public String libraryValue(HttpServletRequest request) {
        try {
            request.getSession().setAttribute("lib", new org.springframework.util.LinkedCaseInsensitiveMap<String>());
            return "stored";
        } catch (IllegalArgumentException e) {
            return "refused=" + e.getMessage();
        }
    }

    @PostMapping("/notes")
    public String add(@RequestParam("text") String text, RedirectAttributes redirect) {
        redirect.addFlashAttribute("saved", text);
        return "redirect:/notes";
    }

    @GetMapping(value = "/notes", produces = "text/plain")
    @ResponseBody
    public String notes(Model model) {
        return "saved=" + model.getAttribute("saved");
    }
}
